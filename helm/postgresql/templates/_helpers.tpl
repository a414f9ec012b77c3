{{/* The chart name, or nameOverride; label values and DNS names end at 63 characters. */}}
{{- define "postgresql.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* <release>-<name>, or the release name when it already contains the name, or fullnameOverride. */}}
{{- define "postgresql.fullname" -}}
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

{{- define "postgresql.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object, without a component. */}}
{{- define "postgresql.commonLabels" -}}
helm.sh/chart: {{ include "postgresql.chart" . }}
app.kubernetes.io/name: {{ include "postgresql.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: slo-engine
{{- end }}

{{- define "postgresql.labels" -}}
{{ include "postgresql.commonLabels" . }}
app.kubernetes.io/component: database
{{- end }}

{{/* The database pod. The component keeps the helm test pod out of the Services and policies. */}}
{{- define "postgresql.selectorLabels" -}}
app.kubernetes.io/name: {{ include "postgresql.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: database
{{- end }}

{{/* The backup CronJob's pods: admitted by the database's NetworkPolicy. */}}
{{- define "postgresql.backupSelectorLabels" -}}
app.kubernetes.io/name: {{ include "postgresql.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: backup
{{- end }}

{{- define "postgresql.backupName" -}}
{{- printf "%s-backup" (include "postgresql.fullname" . | trunc 56 | trimSuffix "-") }}
{{- end }}

{{- define "postgresql.testSelectorLabels" -}}
app.kubernetes.io/name: {{ include "postgresql.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: test
{{- end }}

{{/* The Secret with both passwords: auth.existingSecret, or the one this chart generates. */}}
{{- define "postgresql.secretName" -}}
{{- default (include "postgresql.fullname" .) .Values.auth.existingSecret }}
{{- end }}

{{- define "postgresql.headlessServiceName" -}}
{{- printf "%s-hl" (include "postgresql.fullname" . | trunc 60 | trimSuffix "-") }}
{{- end }}

{{- define "postgresql.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* The restricted Pod Security Standard, for the database and the test pod alike. */}}
{{- define "postgresql.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurityContext.runAsUser }}
runAsGroup: {{ .Values.podSecurityContext.runAsGroup }}
fsGroup: {{ .Values.podSecurityContext.fsGroup }}
# a large data volume is only walked when its root does not belong to fsGroup yet
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "postgresql.containerSecurityContext" -}}
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

{{- define "postgresql.backupS3Image" -}}
{{- $i := .Values.backup.s3.image }}
{{- if $i.digest }}
{{- printf "%s@%s" $i.repository $i.digest }}
{{- else }}
{{- printf "%s:%s" $i.repository $i.tag }}
{{- end }}
{{- end }}

{{/* A settings value as PostgreSQL reads it: whole numbers without an exponent (YAML gives float64). */}}
{{- define "postgresql.settingValue" -}}
{{- if and (kindIs "float64" .) (eq (floor .) .) }}
{{- int64 . }}
{{- else }}
{{- . }}
{{- end }}
{{- end }}

{{/* A storage quantity of the forms the API server writes (e.g. 8Gi, 20G, 1500M) in bytes; "" if not one. */}}
{{- define "postgresql.bytes" -}}
{{- $m := regexFindAll "^([0-9]+)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$" (toString .) 1 }}
{{- if $m }}
{{- $n := regexReplaceAll "^([0-9]+).*$" (toString .) "${1}" | int64 }}
{{- $unit := regexReplaceAll "^[0-9]+" (toString .) "" }}
{{- $f := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "P" 1000000000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "Pi" 1125899906842624 }}
{{- mul $n (get $f $unit) }}
{{- end }}
{{- end }}

{{/* Combinations the schema cannot express, and what the live cluster would refuse. */}}
{{- define "postgresql.validate" -}}
{{- $pdb := .Values.podDisruptionBudget }}
{{- if and $pdb.enabled (eq (hasKey $pdb "minAvailable") (hasKey $pdb "maxUnavailable")) }}
{{- fail "podDisruptionBudget: set exactly one of minAvailable and maxUnavailable (set the other to null)" }}
{{- end }}
{{- if eq .Values.auth.secretKey .Values.auth.adminSecretKey }}
{{- fail (printf "auth.secretKey and auth.adminSecretKey are both %q: the app's and the admin's passwords need keys of their own" .Values.auth.secretKey) }}
{{- end }}
{{- if and .Values.backup.enabled (eq .Values.backup.destination "s3") }}
{{- if not .Values.backup.s3.bucket }}
{{- fail "backup.s3.bucket is required when backup.destination is s3" }}
{{- end }}
{{- if not .Values.backup.s3.region }}
{{- fail "backup.s3.region is required when backup.destination is s3" }}
{{- end }}
{{- end }}
{{- /* A StatefulSet's volumeClaimTemplates are immutable: say so before the API server refuses the
  upgrade with a generic "Forbidden: updates to statefulset spec ..." (lookup is empty in helm template
  and client-side dry runs, so this only runs against a cluster). */}}
{{- $live := lookup "apps/v1" "StatefulSet" .Release.Namespace (include "postgresql.fullname" .) }}
{{- if $live }}
{{- range $live.spec.volumeClaimTemplates | default list }}
{{- if eq .metadata.name "data" }}
{{- $was := .spec.resources.requests.storage | toString }}
{{- $now := $.Values.persistence.size | toString }}
{{- $wasBytes := include "postgresql.bytes" $was }}
{{- $nowBytes := include "postgresql.bytes" $now }}
{{- if or (and $wasBytes $nowBytes (ne $wasBytes $nowBytes)) (and (not (and $wasBytes $nowBytes)) (ne $was $now)) }}
{{- fail (printf "persistence.size changed from %s to %s, but StatefulSet %s's volumeClaimTemplates cannot change. Resize the volume instead: kubectl -n %s patch pvc data-%s-0 -p '{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"%s\"}}}}' (its StorageClass needs allowVolumeExpansion: true), then kubectl -n %s delete statefulset %s --cascade=orphan, then run this upgrade again; or keep persistence.size at %s. See the chart's README, \"Growing the data volume\"." $was $now $live.metadata.name $.Release.Namespace $live.metadata.name $now $.Release.Namespace $live.metadata.name $was) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
