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

{{/* SIGTERM comes after the preStop sleep; then the app drains and waits for in-flight requests. */}}
{{- define "day.terminationGracePeriodSeconds" -}}
{{- $s := .Values.shutdown }}
{{- add $s.preStopSleepSeconds $s.drainDelaySeconds $s.timeoutSeconds $s.graceMarginSeconds }}
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
{{- if and .Values.ingress.enabled (eq .Values.ingress.targetType "instance") (eq .Values.service.type "ClusterIP") }}
{{- fail "ingress.targetType instance needs service.type NodePort or LoadBalancer; use ip with a ClusterIP Service" }}
{{- end }}
{{- end }}
