{{/* Chart name, full name (the release name when it already contains the chart name), chart label. */}}
{{- define "mergeplane.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mergeplane.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "mergeplane.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "mergeplane.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "mergeplane.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mergeplane.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "mergeplane.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mergeplane.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name: the ServiceAccount to run the workers with (serviceAccount.create is false)" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "mergeplane.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* A YAML flow list of RBAC names, quoting only what is not a plain DNS-like word ("", "*"). */}}
{{- define "mergeplane.flowList" -}}
[{{ range $i, $v := . }}{{ if $i }}, {{ end }}{{ if regexMatch "^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$" $v }}{{ $v }}{{ else }}{{ $v | quote }}{{ end }}{{ end }}]
{{- end }}

{{/* Redis Cluster (REDIS_CLUSTER_NODES) rather than one Redis. */}}
{{- define "mergeplane.redisCluster" -}}
{{- if or .Values.redis.clusterNodes (and .Values.redis.existingSecret .Values.redis.secretKeys.clusterNodes) }}true{{ end }}
{{- end }}

{{/* The BullMQ key prefix, as the server computes it (src/server/server-env.ts). */}}
{{- define "mergeplane.queuePrefix" -}}
{{- if .Values.redis.queuePrefix }}
{{- .Values.redis.queuePrefix }}
{{- else if include "mergeplane.redisCluster" . }}
{{- print "{mergeplane}" }}
{{- else }}
{{- print "mergeplane" }}
{{- end }}
{{- end }}

{{/* A render cache all workers share: required for render fan-out. */}}
{{- define "mergeplane.sharedCache" -}}
{{- if or .Values.cache.sharedClaim.existingClaim .Values.cache.sharedClaim.create }}true{{ end }}
{{- end }}

{{- define "mergeplane.cacheClaimName" -}}
{{- .Values.cache.sharedClaim.existingClaim | default (printf "%s-cache" (include "mergeplane.fullname" .)) }}
{{- end }}

{{/* Checks across values that the schema cannot express; each message names the value to set. */}}
{{- define "mergeplane.validate" -}}
{{- $r := .Values.redis }}
{{- $sources := 0 }}
{{- if $r.url }}{{ $sources = add1 $sources }}{{ end }}
{{- if $r.clusterNodes }}{{ $sources = add1 $sources }}{{ end }}
{{- if $r.existingSecret }}
{{- if and $r.secretKeys.url $r.secretKeys.clusterNodes }}
{{- fail "redis.secretKeys: set url or clusterNodes, not both" }}
{{- end }}
{{- if not (or $r.secretKeys.url $r.secretKeys.clusterNodes) }}
{{- fail "redis.secretKeys: name the key of redis.existingSecret holding the URL (url) or the cluster nodes (clusterNodes)" }}
{{- end }}
{{- $sources = add1 $sources }}
{{- end }}
{{- if ne $sources 1 }}
{{- fail "redis: set exactly one of redis.url, redis.clusterNodes or redis.existingSecret (with a key in redis.secretKeys)" }}
{{- end }}
{{- if and (include "mergeplane.redisCluster" .) $r.queuePrefix (not (hasPrefix "{" $r.queuePrefix)) }}
{{- fail "redis.queuePrefix must be a hash tag such as {mergeplane} with Redis Cluster: BullMQ's scripts touch several keys of a queue at once, which a cluster allows only within one slot" }}
{{- end }}
{{- if not .Values.github.existingSecret }}
{{- fail "github.existingSecret: the Secret holding the App's private key and webhook secret" }}
{{- end }}
{{- if and .Values.cache.sharedClaim.existingClaim .Values.cache.sharedClaim.create }}
{{- fail "cache.sharedClaim: set existingClaim or create, not both" }}
{{- end }}
{{- $keda := .Values.worker.autoscaling.keda }}
{{- if $keda.enabled }}
{{- if not (or $keda.redis.address $keda.redis.addresses) }}
{{- fail "worker.autoscaling.keda.redis: set address (host:port) or addresses (Redis Cluster nodes)" }}
{{- end }}
{{- if and $keda.redis.address $keda.redis.addresses }}
{{- fail "worker.autoscaling.keda.redis: set address or addresses, not both" }}
{{- end }}
{{- if lt (int $keda.maxReplicas) (int $keda.minReplicas) }}
{{- fail "worker.autoscaling.keda.maxReplicas must not be below minReplicas" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Environment shared by both Deployments. Secrets never appear as values: the App's key and webhook secret are
files of the Secret volume, Redis URLs with credentials and APP_ID (unless given plainly) come from Secret keys.
*/}}
{{- define "mergeplane.commonEnv" -}}
- name: APP_ID
{{- if .Values.github.appId }}
  value: {{ .Values.github.appId | int64 | toString | quote }}
{{- else }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.github.existingSecret }}
      key: {{ .Values.github.secretKeys.appId }}
{{- end }}
- name: PRIVATE_KEY_PATH
  value: /etc/mergeplane/github/private-key.pem
- name: WEBHOOK_SECRET_PATH
  value: /etc/mergeplane/github/webhook-secret
{{- with .Values.github.enterpriseHost }}
- name: GHE_HOST
  value: {{ . | quote }}
- name: GHE_PROTOCOL
  value: {{ $.Values.github.enterpriseProtocol | quote }}
{{- end }}
{{- if .Values.redis.url }}
- name: REDIS_URL
  value: {{ .Values.redis.url | quote }}
{{- else if .Values.redis.clusterNodes }}
- name: REDIS_CLUSTER_NODES
  value: {{ join "," .Values.redis.clusterNodes | quote }}
{{- else }}
- name: {{ if .Values.redis.secretKeys.url }}REDIS_URL{{ else }}REDIS_CLUSTER_NODES{{ end }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.existingSecret }}
      key: {{ .Values.redis.secretKeys.url | default .Values.redis.secretKeys.clusterNodes }}
{{- end }}
- name: MERGEPLANE_QUEUE_PREFIX
  value: {{ include "mergeplane.queuePrefix" . | quote }}
- name: PORT
  value: "3000"
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: MERGEPLANE_DELIVERY
  value: {{ ternary "on" "off" .Values.delivery.enabled | quote }}
{{- with .Values.argocd.url }}
- name: MERGEPLANE_ARGOCD_URL
  value: {{ . | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The App's private key and webhook secret as files readable by their owner (root) only, or by fsGroup. */}}
{{- define "mergeplane.githubVolume" -}}
- name: github-app
  secret:
    secretName: {{ .Values.github.existingSecret }}
    defaultMode: 256 # 0400
    items:
      - key: {{ .Values.github.secretKeys.privateKey }}
        path: private-key.pem
      - key: {{ .Values.github.secretKeys.webhookSecret }}
        path: webhook-secret
{{- end }}

{{/* Container security context of a process that needs no privilege: the webhook server, non-isolating workers. */}}
{{- define "mergeplane.nonRootContainerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end }}

{{- define "mergeplane.probes" -}}
readinessProbe:
  httpGet:
    path: /healthz
    port: http
  {{- toYaml .Values.probes.readiness | nindent 2 }}
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  {{- toYaml .Values.probes.liveness | nindent 2 }}
{{- end }}

{{- define "mergeplane.podScheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
