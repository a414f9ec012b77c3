{{/* Chart name, overridable. */}}
{{- define "slo-bundle.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* "<release>-<chart>", truncated to 63 (the DNS label limit); the release name alone when it already contains the chart name. */}}
{{- define "slo-bundle.fullname" -}}
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

{{- define "slo-bundle.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "slo-bundle.selectorLabels" -}}
app.kubernetes.io/name: {{ include "slo-bundle.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "slo-bundle.labels" -}}
helm.sh/chart: {{ include "slo-bundle.chart" . }}
{{ include "slo-bundle.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: slo-engine
{{- end }}

{{/*
Labels of one generated object, as YAML: the chart's labels, the component, the SLO's service and name
(when the file path has them) and the user's labels, which win on a clash (a map cannot hold a key twice).
Args: root, component, path (the file, relative to files/<kind>/, without extension), extra (map or nil).
*/}}
{{- define "slo-bundle.objectLabels" -}}
{{- $labels := include "slo-bundle.labels" .root | fromYaml }}
{{- $_ := set $labels "app.kubernetes.io/component" .component }}
{{- $parts := splitList "/" .path }}
{{- if eq (len $parts) 2 }}
{{- $_ := set $labels "slo-engine/service" (include "slo-bundle.labelValue" (first $parts)) }}
{{- $_ := set $labels "slo-engine/slo" (include "slo-bundle.labelValue" (last $parts)) }}
{{- end }}
{{- toYaml (mustMergeOverwrite $labels (deepCopy (default (dict) .extra))) }}
{{- end }}

{{/* A string made a valid label value: allowed characters only, at most 63, alphanumeric at both ends. */}}
{{- define "slo-bundle.labelValue" -}}
{{- $v := regexReplaceAll "[^-A-Za-z0-9_.]+" . "-" | trunc 63 }}
{{- regexReplaceAll "^[^A-Za-z0-9]+|[^A-Za-z0-9]+$" $v "" }}
{{- end }}

{{/*
Object names for every file matching a glob, as JSON {path: name}. The name is the path below dir, minus
ext, with "/" as "-" (top-level files get "slo-" in front, e.g. overview -> slo-overview), reduced to a
DNS-1123 label, plus suffix. A name over 63 characters keeps the suffix and gets its base cut and an
8-hex hash of the path, so cut names stay distinct; so do two paths that map to one name (day/a-b and
day-a/b). Rendering fails if two names still clash.
Args: root, glob, dir, ext, suffix.
*/}}
{{- define "slo-bundle.objectNames" -}}
{{- $bases := dict }}
{{- $names := dict }}
{{- $count := dict }}
{{- range $path, $_ := $.root.Files.Glob $.glob }}
{{- $rel := $path | trimPrefix $.dir | trimSuffix $.ext }}
{{- $base := regexReplaceAll "[^a-z0-9-]+" (lower $rel) "-" | trimAll "-" | default "slo" }}
{{- if not (contains "/" $rel) }}
{{- $base = printf "slo-%s" $base }}
{{- end }}
{{- $_ := set $bases $path $base }}
{{- $name := include "slo-bundle.fitName" (dict "base" $base "suffix" $.suffix "path" $rel "hash" false) }}
{{- $_ := set $names $path $name }}
{{- $_ := set $count $name (add1 (get $count $name | default 0)) }}
{{- end }}
{{- $seen := dict }}
{{- range $path, $name := $names }}
{{- if gt (int (get $count $name)) 1 }}
{{- $name = include "slo-bundle.fitName" (dict "base" (get $bases $path) "suffix" $.suffix "path" ($path | trimPrefix $.dir | trimSuffix $.ext) "hash" true) }}
{{- $_ := set $names $path $name }}
{{- end }}
{{- if hasKey $seen $name }}
{{- fail (printf "slo-bundle: %s and %s would both be named %s; rename one of them" (get $seen $name) $path $name) }}
{{- end }}
{{- $_ := set $seen $name $path }}
{{- end }}
{{- toJson $names }}
{{- end }}

{{/* base+suffix, or when too long or asked for (hash), base cut to fit + "-" + 8 hex of the path + suffix. */}}
{{- define "slo-bundle.fitName" -}}
{{- $name := printf "%s%s" .base .suffix }}
{{- if or .hash (gt (len $name) 63) }}
{{- $keep := int (sub 63 (add (len .suffix) 9)) }}
{{- $name = printf "%s-%s%s" (.base | trunc $keep | trimAll "-") (sha256sum .path | trunc 8) .suffix }}
{{- end }}
{{- $name }}
{{- end }}

{{/* Is this file (below files/<kind>/) selected by .Values.services? Top-level files always are. Args: root, rel. */}}
{{- define "slo-bundle.selected" -}}
{{- $parts := splitList "/" .rel }}
{{- if or (eq (len $parts) 1) (not .root.Values.services) (has (first $parts) .root.Values.services) }}true{{ end }}
{{- end }}

{{/* Render the PrometheusRules? true, false, or auto: when the cluster serves the Prometheus Operator's API. */}}
{{- define "slo-bundle.prometheusRulesEnabled" -}}
{{- $e := .Values.prometheusRule.enabled }}
{{- if eq (toString $e) "auto" }}
{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}true{{ end }}
{{- else if $e }}true
{{- end }}
{{- end }}

{{/*
The `scope` value as PromQL matchers, sorted by label: namespace="day-prod",cluster="eks-1"; "" without one.
*/}}
{{- define "slo-bundle.scopeMatchers" -}}
{{- $out := list }}
{{- range $k, $v := .Values.scope }}
{{- $out = append $out (printf "%s=%s" $k (toJson (toString $v))) }}
{{- end }}
{{- join "," $out }}
{{- end }}

{{/*
A compiled file with the `scope` value written into its scope slot. slo compile --chart-files puts an empty
scope on every selector (slo_scope="") and every rule (slo_scope: ""): without a scope the slot is removed,
which gives back the rules-out and dashboards-out file byte for byte; with one, every selector gets its
matchers and every rule its labels, and dashboards get uids and titles of their own (a uid keeps 31
characters and gets an 8-hex hash of itself and the scope, so two environments' dashboards fit one Grafana).
The scope's values are restricted by the schema to characters that need no escaping in PromQL, JSON or YAML.
Args: root, content, kind (rules or dashboards), path (for messages).
*/}}
{{- define "slo-bundle.scoped" -}}
{{- $c := .content }}
{{- $matchers := include "slo-bundle.scopeMatchers" .root }}
{{- if not $matchers }}
{{- $c = $c | replace ",slo_scope=\"\"" "" | replace "{slo_scope=\"\"}" "" | replace ",slo_scope=\\\"\\\"" "" | replace "{slo_scope=\\\"\\\"}" "" }}
{{- $c = regexReplaceAll "(?m)^[ ]*slo_scope: \"\"\\n" $c "" }}
{{- else }}
{{- $scopeText := list }}
{{- $lines := list }}
{{- range $k, $v := .root.Values.scope }}
{{- if and (eq $.kind "rules") (regexMatch (printf "(?m)^[ ]+%s: " $k) $c) }}
{{- fail (printf "scope.%s: %s already has a label %s (an SLO label); a rule cannot carry it twice: remove it from the SLO or use another scope label" $k $.path $k) }}
{{- end }}
{{- $scopeText = append $scopeText (printf "%s=%s" $k $v) }}
{{- $lines = append $lines (printf "${1}%s: %s" $k (toJson (toString $v))) }}
{{- end }}
{{- $c = $c | replace "slo_scope=\"\"" $matchers | replace "slo_scope=\\\"\\\"" ($matchers | replace "\"" "\\\"") }}
{{- $c = regexReplaceAll "(?m)^([ ]*)slo_scope: \"\"$" $c (join "\n" $lines) }}
{{- $scope := join "," $scopeText }}
{{- $uids := list }}
{{- /* where uids are: the info series' label in rules; a dashboard's own uid and its links to others */}}
{{- $at := ternary "(?m)(^[ ]+dashboard_uid: )" "(\"uid\": \"|\"url\": \"/d/)" (eq .kind "rules") }}
{{- range $m := regexFindAll (printf "%sslo-[A-Za-z0-9_-]+" $at) $c -1 }}
{{- $uids = append $uids (regexFind "slo-[A-Za-z0-9_-]+$" $m) }}
{{- end }}
{{- range $u := $uids | uniq }}
{{- $new := printf "%s-%s" (trunc 31 $u) (sha256sum (printf "%s\n%s" $u $scope) | trunc 8) }}
{{- $c = regexReplaceAll (printf "%s%s([^A-Za-z0-9_-]|$)" $at (regexQuoteMeta $u)) $c (printf "${1}%s${2}" $new) }}
{{- end }}
{{- if eq .kind "dashboards" }}
{{- $c = regexReplaceAll "(?m)^  \"title\": \"(.*)\",$" $c (printf "  \"title\": \"${1} (%s)\"," $scope) }}
{{- end }}
{{- end }}
{{- $c }}
{{- end }}

{{/* "true" when the AlertmanagerConfig renders: alertmanagerConfig.enabled true, or auto and the cluster serves monitoring.coreos.com/v1alpha1. */}}
{{- define "slo-bundle.alertmanagerConfigEnabled" -}}
{{- $e := .Values.alertmanagerConfig.enabled }}
{{- if or (eq (toString $e) "true") (and (eq (toString $e) "auto") (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1alpha1")) }}true{{ end }}
{{- end }}
