{{/*
The app reaches the database through static names (the subcharts' fullnameOverride); a change on
one side only would leave the app unready with nothing rendered wrong. Fail at render time instead.
*/}}
{{- define "day-stack.checkWiring" -}}
{{- if and .Values.day.enabled .Values.postgresql.enabled }}
{{- $db := .Values.day.database }}
{{- $pg := .Values.postgresql }}
{{- $pgName := $pg.fullnameOverride | default "" }}
{{- if not $pgName }}
{{- fail "postgresql.fullnameOverride must be set: day.database.host and day.database.existingSecret name the database by it" }}
{{- end }}
{{- if not (or (eq $db.host $pgName) (hasPrefix (printf "%s." $pgName) $db.host)) }}
{{- fail (printf "day.database.host (%s) must be the postgresql chart's Service, %s" $db.host $pgName) }}
{{- end }}
{{- $secret := $pg.auth.existingSecret | default $pgName }}
{{- if ne $db.existingSecret $secret }}
{{- fail (printf "day.database.existingSecret (%s) must be the Secret the postgresql chart uses, %s (postgresql.auth.existingSecret, or the generated Secret named after postgresql.fullnameOverride)" $db.existingSecret $secret) }}
{{- end }}
{{- if ne $db.secretKey $pg.auth.secretKey }}
{{- fail (printf "day.database.secretKey (%s) must equal postgresql.auth.secretKey (%s)" $db.secretKey $pg.auth.secretKey) }}
{{- end }}
{{- if ne $db.name $pg.auth.database }}
{{- fail (printf "day.database.name (%s) must equal postgresql.auth.database (%s)" $db.name $pg.auth.database) }}
{{- end }}
{{- if ne $db.user $pg.auth.username }}
{{- fail (printf "day.database.user (%s) must equal postgresql.auth.username (%s)" $db.user $pg.auth.username) }}
{{- end }}
{{- if ne (int $db.port) 5432 }}
{{- fail (printf "day.database.port (%v) must be 5432, the postgresql chart's port" $db.port) }}
{{- end }}
{{- /* the day chart checks its connections against day.database.maxConnections: it must be the server's */}}
{{- $serverMax := dig "settings" "maxConnections" 100 $pg }}
{{- if ne (int $db.maxConnections) (int $serverMax) }}
{{- fail (printf "day.database.maxConnections (%v) must equal postgresql.settings.maxConnections (%v), the server's max_connections" $db.maxConnections $serverMax) }}
{{- end }}
{{- end }}
{{- end }}
