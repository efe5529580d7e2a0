import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planChange } from '../../src/engine/plan-change.ts';
import { gatesFailed } from '../../src/gates/evaluate-gates.ts';
import { CHECK_RUN_NAME } from '../../src/github/check-run-output.ts';
import { REFUSAL_TEXT } from '../../src/github/handlers/on-issue-comment.ts';
import { parseCommentMarker } from '../../src/github/sticky-markers.ts';
import { PLAN_QUEUE_NAME } from '../../src/queue/plan-job.ts';
import { loadServerEnv, type ServerEnv } from '../../src/server/server-env.ts';
import { type RunningMergeplane, startServer } from '../../src/server/start-server.ts';
import { assertRedisReachable, createRedisScope, redisUrl, until } from '../queue/redis-test-env.ts';
import { type FakeGitHub, startFakeGitHub } from '../support/fake-github-server.ts';
import {
  APP_ID,
  captureLogger,
  closedPort,
  commentPayload,
  createDemoGitHubRepo,
  type DemoGitHubRepo,
  deliver,
  demoPull,
  demoServerVariables,
  generateAppKey,
  type LogRecord,
  OWNER,
  pullRequestPayload,
  REPO,
} from './server-test-env.ts';

const WRITER = 'octo-writer';
const READER = 'octo-reader';

let repo: DemoGitHubRepo;
let privateKey: string;

beforeAll(async () => {
  await assertRedisReachable();
  repo = createDemoGitHubRepo();
  privateKey = generateAppKey();
});

afterAll(() => {
  repo?.cleanup();
});

function serverEnv(fake: FakeGitHub, overrides: Record<string, string> = {}): ServerEnv {
  return loadServerEnv({
    ...demoServerVariables({ fake, repo, privateKey, redisUrl }),
    HOST: '127.0.0.1',
    PORT: '0',
    ...overrides,
  });
}

async function startFake(): Promise<FakeGitHub> {
  return startFakeGitHub({
    appId: APP_ID,
    privateKey,
    gitRoot: repo.gitRoot,
    permissions: { [WRITER]: 'write', [READER]: 'read' },
    pulls: demoPull(repo),
  });
}

/** The conclusion the plan's gates imply (DESIGN: failure > action_required > success), from the offline planner. */
async function expectedConclusion(): Promise<string> {
  const report = await planChange({
    repoDir: repo.demo.dir,
    base: repo.demo.base,
    baseBranch: 'main',
    head: repo.demo.head,
    cacheDir: join(repo.dir, 'render-cache'),
  });
  if (gatesFailed(report.gates)) return 'failure';
  return report.gates.some((g) => g.status === 'needs-approval') ? 'action_required' : 'success';
}

describe('mergeplane server against a loopback GitHub', () => {
  let fake: FakeGitHub;
  let server: RunningMergeplane;
  let url: string;
  let records: LogRecord[];
  let queueEvents: QueueEvents;
  let finishedJobs = 0;
  const scope = createRedisScope();
  /** Resolves once `count` plan jobs finished (completed or failed) since the server started. */
  const jobsFinished = (count: number) =>
    until(queueEvents, ['completed', 'failed'], () => finishedJobs >= count, `${count} finished plan jobs`);

  beforeAll(async () => {
    queueEvents = new QueueEvents(PLAN_QUEUE_NAME, { connection: { url: redisUrl }, prefix: scope.prefix });
    await queueEvents.waitUntilReady();
    queueEvents.on('completed', () => finishedJobs++);
    queueEvents.on('failed', () => finishedJobs++);
    fake = await startFake();
    const captured = captureLogger();
    records = captured.records;
    server = await startServer({
      env: serverEnv(fake, { MERGEPLANE_QUEUE_PREFIX: scope.prefix }),
      logger: captured.logger,
      // Probot's retry plugin stays on (a 5xx is retried below), with millisecond instead of second waits;
      // the throttling plugin's 1 s spacing of writes would only slow this file (it has its own test).
      octokit: { retry: { retryAfterBaseValue: 1 }, throttle: { enabled: false } },
    });
    url = server.url!;
  });

  afterAll(async () => {
    await queueEvents?.close();
    await server?.close();
    await scope.cleanup();
    await fake?.close();
  });

  const normalize = (text: string | undefined) => (text ?? '').replaceAll(fake.origin, 'http://github.test');

  it('acknowledges pull_request.opened, then publishes the check run and the sticky comment', async () => {
    const delivery = await deliver(
      url,
      'pull_request',
      pullRequestPayload('opened', { number: 1, headSha: repo.demo.head, baseSha: repo.demo.base }),
      { id: 'delivery-opened' },
    );
    expect(delivery.status).toBe(202);

    await until(
      fake,
      ['request'],
      () => fake.checkRuns[0]?.status === 'completed',
      'the check run to complete',
    );
    const [run] = fake.checkRuns;
    expect(run!.name).toBe(CHECK_RUN_NAME);
    expect(run!.head_sha).toBe(repo.demo.head);
    const conclusion = await expectedConclusion();
    expect(run!.history).toEqual(['in_progress', `completed:${conclusion}`]);
    // A plan quicker than MERGEPLANE_PROGRESS_INTERVAL_MS (unset: 10 s) costs no progress update: the result only.
    expect(run!.outputs).toEqual([run!.output]);

    const planComments = fake.comments.filter((c) => parseCommentMarker(c.body)?.pr === 1);
    expect(planComments).toHaveLength(1);
    expect(planComments[0]!.user.login).toBe(`${fake.appSlug}[bot]`);

    // git went over HTTP with the installation token, and only with it.
    expect(fake.git.requests.length).toBeGreaterThan(0);
    expect(fake.git.requests.every((r) => r.authorized)).toBe(true);
    // The job's logs carry the delivery, the repository, the pull request and the job id.
    const published = records.find((r) => r.msg === 'plan published');
    expect(published).toMatchObject({
      deliveryId: 'delivery-opened',
      repository: `${OWNER}/${REPO}`,
      pullNumber: 1,
      jobId: expect.stringMatching(/^plan-mergeplane--demo-gitops-1-/),
      conclusion,
    });

    expect(normalize(run!.output?.title)).toMatchInlineSnapshot(`"6 apps and 1 claim changed"`);
    expect(normalize(run!.output?.summary)).toMatchInlineSnapshot(`
      "**All gates passed.**

      \`b67c912\` → \`4ef5bea\`

      Full plan with diffs: [pull-request comment](http://github.test/mergeplane/demo-gitops/pull/1#issuecomment-1001)

      #### Gates

      - ✅ **config**: repository config is valid
      - ✅ **render**: every affected application rendered
      - ✅ **manifests**: rendered manifests are valid Kubernetes objects and match their schemas
      - ✅ **destructive**: no destructive change
      - ✅ **blocked**: no composed resource update that the API server would reject (immutable fields)
      - ✅ **unsupported**: every affected application could be rendered offline
      - ✅ **claims**: Crossplane claims and composite resources match their XRD schemas"
    `);
    expect(normalize(planComments[0]!.body)).toMatchInlineSnapshot(`
      "<!-- mergeplane:plan pr=1 part=1/1 -->

      ### Mergeplane plan

      \`b67c912\` → \`4ef5bea\` · [check run \`Mergeplane / plan\`](http://github.test/mergeplane/demo-gitops/runs/1000)

      **4 apps changed, 1 added, 1 removed, 0 errors** · 5 to create, 2 to update, 3 to delete

      | App | Status | Origin | Destination | Create | Update | Delete | Lines |
      | --- | --- | --- | --- | ---: | ---: | ---: | ---: |
      | **guestbook-prod-eu** | ✏️ changed | applicationset:guestbook | https://prod-eu.k8s.demo.mergeplane.io / guestbook | 0 | 1 | 0 | +1 −1 |
      | **legacy-reports** | ➖ removed | app-of-apps: root | https://kubernetes.default.svc / reports | 0 | 0 | 2 | +0 −46 |
      | **notifications** | ➕ added | app-of-apps: root | https://kubernetes.default.svc / notifications | 3 | 0 | 0 | +66 −0 |
      | **platform-clusters** | ✏️ changed | app-of-apps: root | https://kubernetes.default.svc / platform | 1 | 0 | 0 | +19 −0 |
      | **podinfo-production** | ✏️ changed | app-of-apps: root | https://kubernetes.default.svc / podinfo-production | 0 | 1 | 0 | +1 −1 |
      | **root** | ✏️ changed | bootstrap/root.yaml | https://kubernetes.default.svc / argocd | 1 | 0 | 1 | +22 −22 |

      8 unchanged applications are not shown.

      #### Provisioning plan

      | Claim | Action | Composition | Destructive |
      | --- | --- | --- | --- |
      | KubernetesCluster platform/prod-sa | ➕ create | xkubernetesclusters.aws.platform.mergeplane.io | no |

      2 unchanged claims are not shown.

      **create** KubernetesCluster platform/prod-sa via composition \`xkubernetesclusters.aws.platform.mergeplane.io\`

      - ➕ create ClusterAuth \`cluster-auth\` (\`eks.aws.upbound.io/v1beta1\`)
        - \`metadata.name\`: _(known after apply)_
        - \`spec.forProvider.clusterNameSelector.matchControllerRef\`: \`true\`
        - \`spec.forProvider.region\`: \`us-east-1\`
        - \`spec.writeConnectionSecretToRef.name\`: _(known after apply)_
        - \`spec.writeConnectionSecretToRef.namespace\`: \`crossplane-system\`
      - ➕ create Cluster \`control-plane\` (\`eks.aws.upbound.io/v1beta1\`)
        - \`metadata.name\`: _(known after apply)_
        - \`spec.forProvider.region\`: \`us-east-1\`
        - \`spec.forProvider.roleArnSelector.matchLabels.role\`: \`eks-control-plane\`
        - \`spec.forProvider.version\`: \`1.33\`
        - \`spec.forProvider.vpcConfig[0].endpointPrivateAccess\`: \`true\`
        - \`spec.forProvider.vpcConfig[0].endpointPublicAccess\`: \`false\`
        - \`spec.forProvider.vpcConfig[0].subnetIdSelector.matchLabels.access\`: \`private\`
      - ➕ create NodeGroup \`node-group\` (\`eks.aws.upbound.io/v1beta1\`)
        - \`metadata.name\`: _(known after apply)_
        - \`spec.forProvider.clusterNameSelector.matchControllerRef\`: \`true\`
        - \`spec.forProvider.instanceTypes[0]\`: \`m6i.large\`
        - \`spec.forProvider.nodeRoleArnSelector.matchLabels.role\`: \`eks-nodes\`
        - \`spec.forProvider.region\`: \`us-east-1\`
        - \`spec.forProvider.scalingConfig[0].desiredSize\`: \`3\`
        - \`spec.forProvider.scalingConfig[0].maxSize\`: \`20\`
        - \`spec.forProvider.scalingConfig[0].minSize\`: \`1\`
        - \`spec.forProvider.subnetIdSelector.matchLabels.access\`: \`private\`
      - 🔑 connection secret: \`prod-sa-kubeconfig\` ← KubernetesCluster platform/prod-sa
      - 🌐 registers cluster \`prod-sa\` (server known after apply) → ApplicationSet \`guestbook\` creates \`guestbook-prod-sa\`
      - ℹ️ composed resources not validated (no schema): Cluster (eks.aws.upbound.io/v1beta1), ClusterAuth (eks.aws.upbound.io/v1beta1), NodeGroup (eks.aws.upbound.io/v1beta1)

      Plan: 3 to add, 0 to change, 0 to destroy.

      <details><summary><b>guestbook-prod-eu</b> — ✏️ changed · 1 to update</summary>

      **update** \`apps/Deployment guestbook/guestbook\`

      \`\`\`diff
      --- base/Deployment/guestbook/guestbook
      +++ head/Deployment/guestbook/guestbook
      @@ -9,7 +9,7 @@
         name: guestbook
         namespace: guestbook
       spec:
      -  replicas: 3
      +  replicas: 5
         revisionHistoryLimit: 3
         selector:
           matchLabels:
      \`\`\`

      </details>

      <details><summary><b>legacy-reports</b> — ➖ removed · 2 to delete</summary>

      **delete** \`Secret reports/legacy-reports-smtp\`

      \`\`\`diff
      --- base/Secret/reports/legacy-reports-smtp
      +++ /dev/null
      @@ -1,11 +0,0 @@
      -apiVersion: v1
      -data:
      -  password: ++++++++
      -  username: ++++++++
      -kind: Secret
      -metadata:
      -  labels:
      -    app.kubernetes.io/name: legacy-reports
      -  name: legacy-reports-smtp
      -  namespace: reports
      -type: Opaque
      \`\`\`

      **delete** \`batch/CronJob reports/legacy-reports\`

      \`\`\`diff
      --- base/CronJob/reports/legacy-reports
      +++ /dev/null
      @@ -1,35 +0,0 @@
      -apiVersion: batch/v1
      -kind: CronJob
      -metadata:
      -  labels:
      -    app.kubernetes.io/name: legacy-reports
      -  name: legacy-reports
      -  namespace: reports
      -spec:
      -  concurrencyPolicy: Forbid
      -  failedJobsHistoryLimit: 3
      -  jobTemplate:
      -    spec:
      -      backoffLimit: 2
      -      template:
      -        metadata:
      -          labels:
      -            app.kubernetes.io/name: legacy-reports
      -        spec:
      -          containers:
      -            - args:
      -                - --report=daily-sales
      -                - --mail-to=finance@example.com
      -              env:
      -                - name: SMTP_HOST
      -                  value: smtp.example.com
      -                - name: SMTP_PASSWORD
      -                  valueFrom:
      -                    secretKeyRef:
      -                      key: password
      -                      name: legacy-reports-smtp
      -              image: ghcr.io/mergeplane/demo-legacy-reports:0.9.3
      -              name: reports
      -          restartPolicy: OnFailure
      -  schedule: 0 5 * * *
      -  successfulJobsHistoryLimit: 3
      \`\`\`

      </details>

      <details><summary><b>notifications</b> — ➕ added · 3 to create</summary>

      **create** \`ConfigMap notifications/notifications-config\`

      \`\`\`diff
      --- /dev/null
      +++ head/ConfigMap/notifications/notifications-config
      @@ -0,0 +1,11 @@
      +apiVersion: v1
      +data:
      +  DAILY_DIGEST_CRON: 0 5 * * *
      +  DIGEST_RECIPIENTS: finance@example.com
      +  SUBSCRIBE_TOPICS: orders.created,orders.refunded
      +kind: ConfigMap
      +metadata:
      +  labels:
      +    app.kubernetes.io/name: notifications
      +  name: notifications-config
      +  namespace: notifications
      \`\`\`

      **create** \`Service notifications/notifications\`

      \`\`\`diff
      --- /dev/null
      +++ head/Service/notifications/notifications
      @@ -0,0 +1,14 @@
      +apiVersion: v1
      +kind: Service
      +metadata:
      +  labels:
      +    app.kubernetes.io/name: notifications
      +  name: notifications
      +  namespace: notifications
      +spec:
      +  ports:
      +    - name: http
      +      port: 80
      +      targetPort: http
      +  selector:
      +    app.kubernetes.io/name: notifications
      \`\`\`

      **create** \`apps/Deployment notifications/notifications\`

      \`\`\`diff
      --- /dev/null
      +++ head/Deployment/notifications/notifications
      @@ -0,0 +1,41 @@
      +apiVersion: apps/v1
      +kind: Deployment
      +metadata:
      +  labels:
      +    app.kubernetes.io/name: notifications
      +    app.kubernetes.io/part-of: commerce
      +  name: notifications
      +  namespace: notifications
      +spec:
      +  replicas: 2
      +  selector:
      +    matchLabels:
      +      app.kubernetes.io/name: notifications
      +  template:
      +    metadata:
      +      labels:
      +        app.kubernetes.io/name: notifications
      +        app.kubernetes.io/part-of: commerce
      +    spec:
      +      containers:
      +        - env:
      +            - name: REDIS_ADDR
      +              value: redis.redis.svc.cluster.local:6379
      +          envFrom:
      +            - configMapRef:
      +                name: notifications-config
      +          image: ghcr.io/mergeplane/demo-notifications:1.0.0
      +          name: notifications
      +          ports:
      +            - containerPort: 8080
      +              name: http
      +          readinessProbe:
      +            httpGet:
      +              path: /healthz
      +              port: http
      +          resources:
      +            limits:
      +              memory: 128Mi
      +            requests:
      +              cpu: 50m
      +              memory: 64Mi
      \`\`\`

      </details>

      <details><summary><b>platform-clusters</b> — ✏️ changed · 1 to create</summary>

      **create** \`platform.mergeplane.io/KubernetesCluster platform/prod-sa\`

      \`\`\`diff
      --- /dev/null
      +++ head/KubernetesCluster/platform/prod-sa
      @@ -0,0 +1,19 @@
      +apiVersion: platform.mergeplane.io/v1alpha1
      +kind: KubernetesCluster
      +metadata:
      +  annotations:
      +    mergeplane.io/cluster-label.workload-cluster: "true"
      +    mergeplane.io/register-cluster: "true"
      +  name: prod-sa
      +  namespace: platform
      +spec:
      +  compositionSelector:
      +    matchLabels:
      +      provider: aws
      +  parameters:
      +    nodeCount: 3
      +    nodeSize: medium
      +    region: us-east-1
      +    version: "1.33"
      +  writeConnectionSecretToRef:
      +    name: prod-sa-kubeconfig
      \`\`\`

      </details>

      <details><summary><b>podinfo-production</b> — ✏️ changed · 1 to update</summary>

      **update** \`apps/Deployment podinfo-production/podinfo\`

      \`\`\`diff
      --- base/Deployment/podinfo-production/podinfo
      +++ head/Deployment/podinfo-production/podinfo
      @@ -33,7 +33,7 @@
                 envFrom:
                   - configMapRef:
                       name: podinfo-config
      -          image: ghcr.io/stefanprodan/podinfo:6.7.0
      +          image: ghcr.io/stefanprodan/podinfo:6.7.1
                 imagePullPolicy: IfNotPresent
                 livenessProbe:
                   httpGet:
      \`\`\`

      </details>

      <details><summary><b>root</b> — ✏️ changed · 1 to create, 1 to delete</summary>

      **delete** \`argoproj.io/Application argocd/legacy-reports\`

      \`\`\`diff
      --- base/Application/argocd/legacy-reports
      +++ /dev/null
      @@ -1,22 +0,0 @@
      -apiVersion: argoproj.io/v1alpha1
      -kind: Application
      -metadata:
      -  finalizers:
      -    - resources-finalizer.argocd.argoproj.io
      -  name: legacy-reports
      -  namespace: argocd
      -spec:
      -  destination:
      -    namespace: reports
      -    server: https://kubernetes.default.svc
      -  project: default
      -  source:
      -    path: manifests/legacy-reports
      -    repoURL: https://github.com/mergeplane/demo-gitops.git
      -    targetRevision: main
      -  syncPolicy:
      -    automated:
      -      prune: true
      -      selfHeal: true
      -    syncOptions:
      -      - CreateNamespace=true
      \`\`\`

      **create** \`argoproj.io/Application argocd/notifications\`

      \`\`\`diff
      --- /dev/null
      +++ head/Application/argocd/notifications
      @@ -0,0 +1,22 @@
      +apiVersion: argoproj.io/v1alpha1
      +kind: Application
      +metadata:
      +  finalizers:
      +    - resources-finalizer.argocd.argoproj.io
      +  name: notifications
      +  namespace: argocd
      +spec:
      +  destination:
      +    namespace: notifications
      +    server: https://kubernetes.default.svc
      +  project: default
      +  source:
      +    path: manifests/notifications
      +    repoURL: https://github.com/mergeplane/demo-gitops.git
      +    targetRevision: main
      +  syncPolicy:
      +    automated:
      +      prune: true
      +      selfHeal: true
      +    syncOptions:
      +      - CreateNamespace=true
      \`\`\`

      Not validated (no schema: neither a bundled Kubernetes kind nor a CRD in the repository or this plan): \`Application (argoproj.io/v1alpha1)\`, \`ApplicationSet (argoproj.io/v1alpha1)\`.

      </details>
      "
    `);
  });

  it('/mergeplane plan from a writer: 👀, then a new plan of the head (a GitHub 5xx on the way is retried)', async () => {
    fake.fail({ method: 'POST', path: /\/check-runs$/, status: 502, body: { message: 'Server Error' } });
    const before = fake.checkRuns.length;
    const delivery = await deliver(url, 'issue_comment', commentPayload(1, WRITER, '/mergeplane plan', 9001));
    expect(delivery.status).toBe(202);
    expect(fake.reactions).toContainEqual({ commentId: 9001, content: 'eyes' });

    await until(
      fake,
      ['request'],
      () => fake.checkRuns.length > before && fake.checkRuns.at(-1)!.status === 'completed',
      'the re-plan to complete',
    );
    const creates = fake.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/check-runs'));
    expect(creates.slice(-2).map((r) => r.status)).toEqual([502, 201]);
    expect(fake.checkRuns.at(-1)!.history).toEqual([
      'in_progress',
      `completed:${fake.checkRuns[0]!.conclusion}`,
    ]);
    await jobsFinished(2);
    // Same head, same text: the sticky comment is kept, not duplicated.
    expect(fake.comments.filter((c) => parseCommentMarker(c.body)?.pr === 1)).toHaveLength(1);
  });

  it('/mergeplane plan from a reader: 👀 and a polite refusal, nothing queued', async () => {
    const counts = await server.planQueue.queue.getJobCounts('waiting', 'active', 'delayed');
    const delivery = await deliver(
      url,
      'issue_comment',
      commentPayload(1, READER, '/mergeplane plan', 9002),
      {
        id: 'delivery-reader',
      },
    );
    expect(delivery.status).toBe(202);
    expect(records).toContainEqual(
      expect.objectContaining({
        deliveryId: 'delivery-reader',
        msg: 'slash-command refused',
        permission: 'read',
      }),
    );
    expect(records.some((r) => r.deliveryId === 'delivery-reader' && r.msg === 'plan queued')).toBe(false);
    expect(fake.reactions).toContainEqual({ commentId: 9002, content: 'eyes' });
    expect(fake.comments.at(-1)!.body).toBe(`@${READER} ${REFUSAL_TEXT}`);
    expect(await server.planQueue.queue.getJobCounts('waiting', 'active', 'delayed')).toEqual(counts);
  });

  it('refuses a delivery signed with another secret (400) and handles nothing', async () => {
    const seen = fake.requests.length;
    const delivery = await deliver(
      url,
      'pull_request',
      pullRequestPayload('opened', { number: 1, headSha: repo.demo.head, baseSha: repo.demo.base }),
      { secret: 'not-the-webhook-secret', id: 'forged' },
    );
    expect(delivery.status).toBe(400);
    expect(fake.requests.length).toBe(seen);
    expect(records.some((r) => r.deliveryId === 'forged' && /signature/.test(r.msg))).toBe(true);
  });

  it('answers 400 with a reason to signed but malformed payloads, and keeps serving', async () => {
    const seen = fake.requests.length;
    const { pull_request: _dropped, ...withoutPull } = pullRequestPayload('opened', {
      number: 1,
      headSha: repo.demo.head,
      baseSha: repo.demo.base,
    });
    const cases: [string, unknown, RegExp][] = [
      ['pull_request', null, /not a JSON object/],
      ['pull_request', [], /not a JSON object/],
      ['pull_request', withoutPull, /has no pull_request object/],
      ['issue_comment', { action: 'created', repository: {} }, /has no issue object/],
    ];
    for (const [name, payload, reason] of cases) {
      const delivery = await deliver(url, name, payload as Parameters<typeof deliver>[2], {
        id: 'malformed',
      });
      expect(delivery.status, JSON.stringify(payload)).toBe(400);
      expect(JSON.parse(delivery.body).error).toMatch(reason);
    }
    expect(fake.requests.length).toBe(seen);
    expect(
      records.some((r) => r.deliveryId === 'malformed' && r.msg === 'webhook refused: malformed payload'),
    ).toBe(true);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('/healthz answers 200 with Redis up; /metrics reports the queue counts BullMQ has', async () => {
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', redis: 'up' });

    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    const counts = await server.planQueue.queue.getJobCounts(
      'waiting',
      'active',
      'delayed',
      'failed',
      'completed',
    );
    expect(counts.completed).toBeGreaterThan(0);
    for (const [state, value] of Object.entries(counts)) {
      expect(text).toContain(`mergeplane_queue_jobs{queue="mergeplane-plan",state="${state}"} ${value}\n`);
    }
    expect(text).toContain('mergeplane_redis_up 1\n');
  });

  it('sent GitHub only requests that GitHub’s OpenAPI description allows', () => {
    expect(fake.requests.length).toBeGreaterThan(0);
    fake.assertRequestsMatchOpenApi();
  });
});

describe('mergeplane server with Redis unavailable', () => {
  it('answers webhooks 503 at once (GitHub can redeliver), logs why, and reports it on /healthz and /metrics', async () => {
    const fake = await startFake();
    const captured = captureLogger();
    const server = await startServer({
      env: serverEnv(fake, { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` }),
      logger: captured.logger,
      workers: [],
    });
    try {
      const delivery = await deliver(
        server.url!,
        'pull_request',
        pullRequestPayload('opened', { number: 1, headSha: repo.demo.head, baseSha: repo.demo.base }),
        { id: 'delivery-no-redis' },
      );
      expect(delivery.status).toBe(503);
      expect(captured.records).toContainEqual(
        expect.objectContaining({
          deliveryId: 'delivery-no-redis',
          msg: 'webhook not queued: queue unavailable',
          reason: expect.any(String),
        }),
      );

      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'unavailable', redis: 'down' });
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toContain('mergeplane_redis_up 0\n');
      expect(metrics).not.toContain('mergeplane_queue_jobs{');
      expect(fake.requests).toEqual([]);
    } finally {
      await server.close();
      await fake.close();
    }
  });
});
