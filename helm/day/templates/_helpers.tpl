{{/* The chart name, or nameOverride; label values and DNS names end at 63 characters. */}}
{{- define "day.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* <release>-<name>, or the release name when it already contains the name, or fullnameOverride. */}}
{{- define "day.fullname" -}}
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

{{- define "day.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object, without a component. */}}
{{- define "day.commonLabels" -}}
helm.sh/chart: {{ include "day.chart" . }}
app.kubernetes.io/name: {{ include "day.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: slo-engine
{{- end }}

{{- define "day.labels" -}}
{{ include "day.commonLabels" . }}
app.kubernetes.io/component: api
{{- end }}

{{/* The app's pods. The component keeps the helm test pod out of the Service, PDB and NetworkPolicy. */}}
{{- define "day.selectorLabels" -}}
app.kubernetes.io/name: {{ include "day.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: api
{{- end }}

{{- define "day.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "day.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "day.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* The restricted Pod Security Standard, for the app and the test pod alike. */}}
{{- define "day.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurityContext.runAsUser }}
runAsGroup: {{ .Values.podSecurityContext.runAsGroup }}
fsGroup: {{ .Values.podSecurityContext.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "day.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurityContext.runAsUser }}
runAsGroup: {{ .Values.podSecurityContext.runAsGroup }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* SIGTERM comes after the preStop sleep; then the app drains, waits for in-flight requests and closes its pool. */}}
{{- define "day.terminationGracePeriodSeconds" -}}
{{- $s := .Values.shutdown }}
{{- add $s.preStopSleepSeconds $s.drainDelaySeconds $s.timeoutSeconds $s.poolCloseTimeoutSeconds $s.graceMarginSeconds }}
{{- end }}

{{/* Pods that connect to the database (the app and the migration Job) carry this label; the database's NetworkPolicy can admit them by it. */}}
{{- define "day.databaseClientLabel" -}}
slo-engine.dev/database-client: "true"
{{- end }}

{{/* Renders the ServiceMonitor? true, false, or auto: when the cluster serves the Prometheus Operator's API. */}}
{{- define "day.serviceMonitorEnabled" -}}
{{- $e := .Values.serviceMonitor.enabled }}
{{- if eq (toString $e) "auto" }}
{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}true{{ end }}
{{- else if $e }}true
{{- end }}
{{- end }}

{{/* The CA bundle's mount path, when one is configured. */}}
{{- define "day.caBundlePath" -}}
{{- $ca := .Values.database.caBundle }}
{{- if or $ca.existingConfigMap $ca.existingSecret }}
{{- printf "/etc/day/db-ca/%s" $ca.key }}
{{- end }}
{{- end }}

{{/* The environment variables the chart sets, and the ones the app refuses beside them (DATABASE_URL, PGSSL*): extraEnv may not set them. */}}
{{- define "day.chartEnvNames" -}}
PORT METRICS_PORT MIGRATE_ON_START DATABASE_URL PGSSLMODE PGSSLROOTCERT PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD ADMIN_TOKEN DB_SSL_MODE DB_SSL_CA_FILE DB_POOL_MAX DB_CONNECT_TIMEOUT_MS DB_QUERY_TIMEOUT_MS DB_START_TIMEOUT_MS DB_POOL_CLOSE_TIMEOUT_MS DRAIN_DELAY_MS SHUTDOWN_TIMEOUT_MS LOOKUPS_RETENTION_DAYS FAULT_ERROR_RATE FAULT_LATENCY_MS FAULT_UNREADY
{{- end }}

{{/* The database connection, shared by the app and the migration Job. */}}
{{- define "day.databaseEnv" -}}
- name: PGHOST
  value: {{ .Values.database.host | quote }}
- name: PGPORT
  value: {{ .Values.database.port | int | quote }}
- name: PGDATABASE
  value: {{ .Values.database.name | quote }}
- name: PGUSER
  value: {{ .Values.database.user | quote }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.secretKey }}
- name: DB_SSL_MODE
  value: {{ .Values.database.sslMode | quote }}
{{- with include "day.caBundlePath" . }}
- name: DB_SSL_CA_FILE
  value: {{ . | quote }}
{{- end }}
- name: DB_POOL_MAX
  value: {{ .Values.config.dbPoolMax | int | quote }}
- name: DB_CONNECT_TIMEOUT_MS
  value: {{ .Values.config.dbConnectTimeoutMs | int | quote }}
- name: DB_QUERY_TIMEOUT_MS
  value: {{ .Values.config.dbQueryTimeoutMs | int | quote }}
- name: DB_START_TIMEOUT_MS
  value: {{ .Values.config.dbStartTimeoutMs | int | quote }}
{{- end }}

{{/* Volumes of the app and the migration Job: /tmp, the CA bundle, extraVolumes. */}}
{{- define "day.volumes" -}}
# the root filesystem is read-only
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- $ca := .Values.database.caBundle }}
{{- if $ca.existingConfigMap }}
- name: db-ca
  configMap:
    name: {{ $ca.existingConfigMap }}
    items:
      - key: {{ $ca.key }}
        path: {{ $ca.key }}
{{- else if $ca.existingSecret }}
- name: db-ca
  secret:
    secretName: {{ $ca.existingSecret }}
    items:
      - key: {{ $ca.key }}
        path: {{ $ca.key }}
{{- end }}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "day.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if include "day.caBundlePath" . }}
- name: db-ca
  mountPath: /etc/day/db-ca
  readOnly: true
{{- end }}
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
The connections the release may open at most, as JSON: pods (the HPA's maxReplicas or replicaCount,
plus the rollout's surge) times (pool + the readiness ping's dedicated connection), plus the migration
Job's pool.
*/}}
{{- define "day.connectionBudget" -}}
{{- $pods := int (ternary .Values.autoscaling.maxReplicas .Values.replicaCount .Values.autoscaling.enabled) }}
{{- $podsFrom := ternary "autoscaling.maxReplicas" "replicaCount" .Values.autoscaling.enabled }}
{{- $surgeValue := .Values.rollout.maxSurge }}
{{- $surge := 0 }}
{{- if kindIs "string" $surgeValue }}
{{- $p := int (trimSuffix "%" $surgeValue) }}
{{- $surge = div (add (mul $pods $p) 99) 100 }}
{{- else }}
{{- $surge = int $surgeValue }}
{{- end }}
{{- $pool := int .Values.config.dbPoolMax }}
{{- $job := ternary $pool 0 .Values.migrations.enabled }}
{{- $total := add (mul (add $pods $surge) (add $pool 1)) $job }}
{{- $limit := sub (int .Values.database.maxConnections) (int .Values.database.reservedConnections) }}
{{- toJson (dict "pods" $pods "podsFrom" $podsFrom "surge" $surge "surgeValue" (toString $surgeValue) "pool" $pool "job" $job "total" $total "limit" $limit) }}
{{- end }}

{{/* Combinations the schema cannot express. */}}
{{- define "day.validate" -}}
{{- if le (int .Values.shutdown.preStopSleepSeconds) (int .Values.ingress.deregistrationDelaySeconds) }}
{{- fail (printf "shutdown.preStopSleepSeconds (%v) must be longer than ingress.deregistrationDelaySeconds (%v): the pod must outlive the load balancer's deregistration" .Values.shutdown.preStopSleepSeconds .Values.ingress.deregistrationDelaySeconds) }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail (printf "autoscaling.minReplicas (%v) must not exceed autoscaling.maxReplicas (%v)" .Values.autoscaling.minReplicas .Values.autoscaling.maxReplicas) }}
{{- end }}
{{- $pdb := .Values.podDisruptionBudget }}
{{- if and $pdb.enabled (eq (hasKey $pdb "minAvailable") (hasKey $pdb "maxUnavailable")) }}
{{- fail "podDisruptionBudget: set exactly one of minAvailable and maxUnavailable (set the other to null)" }}
{{- end }}
{{- $i := .Values.ingress }}
{{- if and $i.enabled (eq $i.targetType "instance") (eq .Values.service.type "ClusterIP") }}
{{- fail "ingress.targetType instance needs service.type NodePort or LoadBalancer; use ip with a ClusterIP Service" }}
{{- end }}
{{- if and $i.enabled (eq $i.scheme "internet-facing") (not $i.certificateArn) }}
{{- fail "ingress.certificateArn must be set for an internet-facing ALB (ingress.scheme internet-facing): the public load balancer serves HTTPS only (set ingress.certificateArn to an ACM certificate ARN, or ingress.scheme to internal)" }}
{{- end }}
{{- if and $i.enabled .Values.networkPolicy.enabled (not .Values.networkPolicy.ingressFrom) }}
{{- fail "networkPolicy.ingressFrom must name the load balancer when ingress.enabled is true (e.g. an ipBlock with the CIDRs of the ALB's subnets or the VPC): the NetworkPolicy admits nobody else to the API port" }}
{{- end }}
{{- if eq (int .Values.service.metricsPort) (int .Values.service.port) }}
{{- fail (printf "service.metricsPort (%v) must differ from service.port (%v)" .Values.service.metricsPort .Values.service.port) }}
{{- end }}
{{- $ca := .Values.database.caBundle }}
{{- if and $ca.existingConfigMap $ca.existingSecret }}
{{- fail "database.caBundle: set existingConfigMap or existingSecret, not both" }}
{{- end }}
{{- if and (or $ca.existingConfigMap $ca.existingSecret) (eq .Values.database.sslMode "disable") }}
{{- fail "database.caBundle is set but database.sslMode is disable: set database.sslMode to verify-full (or verify-ca, require)" }}
{{- end }}
{{- $reserved := splitList " " (include "day.chartEnvNames" .) }}
{{- range $n, $e := .Values.extraEnv }}
{{- if has $e.name $reserved }}
{{- fail (printf "extraEnv[%d].name %s is managed by the chart (a value of its own sets it, or the app refuses it): use the chart's values (values.yaml: database.*, config.*, shutdown.*, migrations.enabled)" $n $e.name) }}
{{- end }}
{{- end }}
{{- if ge (int .Values.database.reservedConnections) (int .Values.database.maxConnections) }}
{{- fail (printf "database.reservedConnections (%v) must be less than database.maxConnections (%v)" .Values.database.reservedConnections .Values.database.maxConnections) }}
{{- end }}
{{- $b := include "day.connectionBudget" . | fromJson }}
{{- if gt (int $b.total) (int $b.limit) }}
{{- fail (printf "database connections: (%v pods (%s) + %v surge (rollout.maxSurge %s)) x (%v pool (config.dbPoolMax) + 1 readiness ping) + %v migration Job = %v, more than database.maxConnections (%v) - database.reservedConnections (%v) = %v. Lower %s, rollout.maxSurge or config.dbPoolMax, or raise database.maxConnections together with the server's max_connections (postgresql.settings.maxConnections)" $b.pods $b.podsFrom $b.surge $b.surgeValue $b.pool $b.job $b.total .Values.database.maxConnections .Values.database.reservedConnections $b.limit $b.podsFrom) }}
{{- end }}
{{- end }}
