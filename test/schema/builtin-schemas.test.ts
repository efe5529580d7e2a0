import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KNOWN_AFTER_APPLY } from '../../src/crossplane/known-after-apply.ts';
import { builtinKind } from '../../src/schema/builtin-kinds.ts';
import { collectCustomDefinitions } from '../../src/schema/custom-definitions.ts';
import { topLevelModel } from '../../src/schema/known-fields.ts';
import {
  createSchemaValidator,
  SchemaCatalog,
  type SchemaResult,
} from '../../src/schema/schema-validator.ts';

const catalog = new SchemaCatalog();
const validator = createSchemaValidator({ catalog, definitions: collectCustomDefinitions([]) });
type Obj = Record<string, unknown>;
/** The object at a dotted path (array indexes as keys) of a parsed manifest, for editing it. */
const at = (o: Obj, path: string): Obj => path.split('.').reduce<Obj>((v, k) => v[k] as Obj, o);
const CONTAINER = 'spec.template.spec.containers.0';

const check = (yaml: string, kubeVersion = '1.36'): Promise<SchemaResult> =>
  validator.validate(parse(yaml) as Record<string, unknown>, kubeVersion);

const DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, creationTimestamp: null}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: "25%"}}
  template:
    metadata: {labels: {app: web}, creationTimestamp: null}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          imagePullPolicy: IfNotPresent
          ports: [{containerPort: 80, name: http}]
          resources: {requests: {cpu: 0.5, memory: 64Mi}, limits: {cpu: 1, memory: 134217728}}
          readinessProbe: {httpGet: {path: /, port: 8080}}
status: {}
`;

/**
 * Objects the API server accepts (Kubernetes API reference, 1.36): int-or-string fields given as integers,
 * quantities as numbers, and the nulls kubectl and Helm emit.
 */
const VALID: Record<string, string> = {
  Deployment: DEPLOYMENT,
  Service: `
apiVersion: v1
kind: Service
metadata: {name: web, creationTimestamp: null}
spec: {type: ClusterIP, selector: {app: web}, ports: [{port: 80, targetPort: 8080, protocol: TCP}]}`,
  ConfigMap: `
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, annotations: null}
data: {LOG_LEVEL: debug}`,
  Ingress: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}`,
  CronJob: `
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "0 3 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: report, image: busybox, args: [date]}]`,
  HorizontalPodAutoscaler: `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
    - type: Resource
      resource: {name: memory, target: {type: AverageValue, averageValue: 500}}`,
  StatefulSet: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  updateStrategy: {rollingUpdate: {maxUnavailable: 1, partition: 0}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres:17, livenessProbe: {tcpSocket: {port: 5432}}}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10Gi}}}`,
  PodDisruptionBudget: `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}`,
  ClusterRoleBinding: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: read}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: web, namespace: shop}]`,
};

describe('built-in kinds against the bundled Kubernetes schemas', () => {
  it.each(Object.entries(VALID))('accepts a valid %s', async (_kind, yaml) => {
    expect(await check(yaml)).toEqual({ status: 'valid' });
  });

  const deployment = (edit: (d: Obj) => void) => {
    const d = parse(DEPLOYMENT) as Obj;
    edit(d);
    return validator.validate(d, '1.36');
  };

  it.each([
    {
      name: 'spec.replica (typo of replicas) is an unknown field',
      edit: (d: Obj) => {
        delete at(d, 'spec').replicas;
        at(d, 'spec').replica = 3;
      },
      path: 'spec.replica',
      message: 'unknown field "replica"',
    },
    {
      name: 'imagePullPolicy Sometimes is not one of its values',
      edit: (d: Obj) => {
        at(d, CONTAINER).imagePullPolicy = 'Sometimes';
      },
      path: 'spec.template.spec.containers[0].imagePullPolicy',
      message: 'unsupported value "Sometimes": must be one of "Always", "IfNotPresent", "Never"',
    },
    {
      name: 'replicas as a string is the wrong type',
      edit: (d: Obj) => {
        at(d, 'spec').replicas = 'three';
      },
      path: 'spec.replicas',
      message: 'must be integer, got string "three"',
    },
    {
      name: 'a quantity that is not one',
      edit: (d: Obj) => {
        at(d, `${CONTAINER}.resources.limits`).memory = 'lots';
      },
      path: 'spec.template.spec.containers[0].resources.limits.memory',
      message: 'string "lots" is not a valid quantity',
    },
    {
      name: 'an int-or-string given a boolean',
      edit: (d: Obj) => {
        at(d, 'spec.strategy.rollingUpdate').maxSurge = true;
      },
      path: 'spec.strategy.rollingUpdate.maxSurge',
      message: 'must be string or integer, got boolean',
    },
    {
      name: 'an unknown field deep in a container',
      edit: (d: Obj) => {
        at(d, CONTAINER).imagePullPolcy = 'Always';
      },
      path: 'spec.template.spec.containers[0].imagePullPolcy',
      message: 'unknown field "imagePullPolcy"',
    },
    {
      name: 'a missing required field',
      edit: (d: Obj) => {
        delete at(d, 'spec').selector;
      },
      path: 'spec.selector',
      message: 'required field "selector" is missing',
    },
  ])('refuses a Deployment where $name', async ({ edit, path, message }) => {
    expect(await deployment(edit)).toEqual({ status: 'invalid', errors: [{ path, message }] });
  });

  it('accepts free-form fields (labels, annotations, data) with any keys', async () => {
    const result = await check(`
apiVersion: v1
kind: ConfigMap
metadata: {name: c, labels: {app.kubernetes.io/name: c}, annotations: {"example.com/anything": "x"}}
data: {any-key: v, another.key: w}`);
    expect(result).toEqual({ status: 'valid' });
  });

  it('keeps the values of a Secret out of the messages', async () => {
    const result = await check(`
apiVersion: v1
kind: Secret
metadata: {name: s}
data: {password: "not base64 hunter2!"}`);
    expect(result.status).toBe('invalid');
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('accepts values only known after apply, whatever the field type', async () => {
    const result = await deployment((d) => {
      at(d, 'spec').replicas = KNOWN_AFTER_APPLY;
      at(d, `${CONTAINER}.resources.limits`).memory = KNOWN_AFTER_APPLY;
      at(d, CONTAINER).imagePullPolicy = KNOWN_AFTER_APPLY;
    });
    expect(result).toEqual({ status: 'valid' });
  });
});

describe('builtinKind', () => {
  // Definition names of the Kubernetes OpenAPI description: io.k8s.api.<group label>.<version>.<Kind>.
  it.each([
    ['v1', 'Pod', 'IoK8sApiCoreV1Pod', 'V1Pod'],
    ['v1', 'Event', 'IoK8sApiCoreV1Event', 'CoreV1Event'],
    ['events.k8s.io/v1', 'Event', 'IoK8sApiEventsV1Event', 'EventsV1Event'],
    ['apps/v1', 'Deployment', 'IoK8sApiAppsV1Deployment', 'V1Deployment'],
    ['apps/v1', 'DaemonSet', 'IoK8sApiAppsV1DaemonSet', 'V1DaemonSet'],
    ['batch/v1', 'Job', 'IoK8sApiBatchV1Job', 'V1Job'],
    [
      'autoscaling/v2',
      'HorizontalPodAutoscaler',
      'IoK8sApiAutoscalingV2HorizontalPodAutoscaler',
      'V2HorizontalPodAutoscaler',
    ],
    ['networking.k8s.io/v1', 'NetworkPolicy', 'IoK8sApiNetworkingV1NetworkPolicy', 'V1NetworkPolicy'],
    ['rbac.authorization.k8s.io/v1', 'Role', 'IoK8sApiRbacV1Role', 'V1Role'],
    ['storage.k8s.io/v1', 'StorageClass', 'IoK8sApiStorageV1StorageClass', 'V1StorageClass'],
    ['scheduling.k8s.io/v1', 'PriorityClass', 'IoK8sApiSchedulingV1PriorityClass', 'V1PriorityClass'],
    [
      'admissionregistration.k8s.io/v1',
      'ValidatingWebhookConfiguration',
      'IoK8sApiAdmissionregistrationV1ValidatingWebhookConfiguration',
      'V1ValidatingWebhookConfiguration',
    ],
    [
      'apiextensions.k8s.io/v1',
      'CustomResourceDefinition',
      'IoK8sApiextensionsApiserverPkgApisApiextensionsV1CustomResourceDefinition',
      'V1CustomResourceDefinition',
    ],
    [
      'apiregistration.k8s.io/v1',
      'APIService',
      'IoK8sKubeAggregatorPkgApisApiregistrationV1APIService',
      'V1APIService',
    ],
    ['coordination.k8s.io/v1', 'Lease', 'IoK8sApiCoordinationV1Lease', 'V1Lease'],
  ])('%s %s is %s, client-node model %s', async (apiVersion, kind, schemaName, model) => {
    const found = builtinKind(apiVersion, kind);
    expect(found?.schemaName).toBe(schemaName);
    expect(await catalog.builtin(schemaName)).toBeTypeOf('function');
    const classes = await catalog.modelClasses();
    expect(topLevelModel(classes, found!.modelNames)).toBe(model);
  });

  it.each([
    ['example.com/v1', 'Pod'],
    ['argoproj.io/v1alpha1', 'Application'],
    ['apps/v1', '../../evil'],
    ['apps/v1;rm', 'Deployment'],
  ])('is undefined for %s %s (not a built-in kind name)', (apiVersion, kind) => {
    expect(builtinKind(apiVersion, kind)).toBeUndefined();
  });

  it('names a kind the bundled schemas do not have as not validated', async () => {
    expect(await check('{apiVersion: apps/v1, kind: Frobnicator, metadata: {name: x}}')).toEqual({
      status: 'not-validated',
      reason: 'not a kind of the bundled Kubernetes schemas',
    });
  });
});
