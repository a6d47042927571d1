{{/*
Names and labels. The chart name is written out rather than read from
.Chart.Name: the envoy-drift.sidecar.* templates run with a parent chart's
context, and must still name the ConfigMaps this chart renders.
*/}}
{{- define "envoy-drift.name" -}}
{{- default "envoy-drift" .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "envoy-drift.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "envoy-drift.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Selector labels: only name and instance, so that they never change on upgrade. */}}
{{- define "envoy-drift.selectorLabels" -}}
app.kubernetes.io/name: {{ include "envoy-drift.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "envoy-drift.labels" -}}
{{ include "envoy-drift.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.agent.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: envoy-drift
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The `helm test` pod's labels: not the selector labels, so nothing of the release selects it. */}}
{{- define "envoy-drift.testLabels" -}}
app.kubernetes.io/name: {{ include "envoy-drift.name" . }}-test
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: test
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: envoy-drift
{{- end -}}

{{- define "envoy-drift.image" -}}
{{- if .digest -}}
{{- printf "%s@%s" .repository .digest -}}
{{- else -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}
{{- end -}}

{{- define "envoy-drift.agentImage" -}}
{{- include "envoy-drift.image" .Values.agent.image -}}
{{- end -}}

{{- define "envoy-drift.serviceAccountName" -}}
{{- if .Values.proxy.serviceAccount.create -}}
{{- default (include "envoy-drift.fullname" .) .Values.proxy.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.proxy.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "envoy-drift.agentConfigName" -}}
{{- printf "%s-agent" (include "envoy-drift.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "envoy-drift.declaredConfigName" -}}
{{- if .Values.declared.existingConfigMap -}}
{{- .Values.declared.existingConfigMap -}}
{{- else -}}
{{- printf "%s-declared" (include "envoy-drift.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "envoy-drift.bootstrapConfigName" -}}
{{- printf "%s-bootstrap" (include "envoy-drift.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "envoy-drift.tokenSecretName" -}}
{{- default (printf "%s-token" (include "envoy-drift.fullname" .)) .Values.agent.token.secretName -}}
{{- end -}}

{{- define "envoy-drift.metricsServiceName" -}}
{{- printf "%s-metrics" (include "envoy-drift.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Where Envoy's admin socket lives, when the agent reaches the admin over a unix socket. */}}
{{- define "envoy-drift.adminSocketPath" -}}
{{- if hasPrefix "unix:" .Values.agent.adminAddress -}}
{{- trimPrefix "unix:" .Values.agent.adminAddress -}}
{{- end -}}
{{- end -}}

{{- define "envoy-drift.adminSocketDir" -}}
{{- with include "envoy-drift.adminSocketPath" . -}}
{{- dir . -}}
{{- end -}}
{{- end -}}

{{/* The agent config file: the settings without a flag in the contract, the sinks and the journal. */}}
{{- define "envoy-drift.agentConfig" -}}
{{- $sinks := list -}}
{{- range .Values.agent.sinks -}}
{{- $sink := merge (dict "name" .name "type" .type) (deepCopy (.settings | default dict)) -}}
{{- $sinks = append $sinks $sink -}}
{{- end -}}
{{- $journal := dict "maxBytes" (int64 .Values.agent.journal.maxBytes) -}}
{{- with .Values.agent.journal.checkpoint -}}
{{- if .every -}}
{{- $_ := set $journal "checkpoint" (dict "every" (int64 .every) "keyFile" (printf "%s/key.pem" (include "envoy-drift.paths.journalKey" $))) -}}
{{- end -}}
{{- end -}}
{{- $agent := .Values.agent -}}
{{- $config := dict "sinks" $sinks "journal" $journal "fullCheckInterval" $agent.fullCheckInterval "timeout" $agent.timeout "maxBackoff" $agent.maxBackoff "reminderInterval" $agent.reminderInterval "warmingGrace" $agent.warmingGrace "checkThread" $agent.checkThread "logLevel" $agent.logLevel -}}
{{- toYaml $config -}}
{{- end -}}

{{/* Checks that the schema cannot express; each failure is one line naming the value. */}}
{{- define "envoy-drift.validate" -}}
{{- $names := dict -}}
{{- range .Values.agent.sinks -}}
{{- if hasKey $names .name -}}
{{- fail (printf "agent.sinks: the name %q is used twice; sink names must be unique" .name) -}}
{{- end -}}
{{- $_ := set $names .name true -}}
{{- end -}}
{{- if and (eq .Values.agent.journal.storage "persistentVolumeClaim") (not .Values.agent.journal.existingClaim) -}}
{{- fail "agent.journal.existingClaim: required when agent.journal.storage is persistentVolumeClaim" -}}
{{- end -}}
{{- if and .Values.proxy.enabled (eq .Values.agent.journal.storage "persistentVolumeClaim") (gt (int .Values.proxy.replicaCount) 1) -}}
{{- fail "agent.journal.storage: persistentVolumeClaim keeps one journal, so proxy.replicaCount must be 1 (use emptyDir for more replicas)" -}}
{{- end -}}
{{- if and (not .Values.proxy.enabled) (not .Values.declared.existingConfigMap) (not .Values.declared.files) -}}
{{- fail "declared: without the proxy (proxy.enabled=false) the agent needs a declared snapshot: set declared.files or declared.existingConfigMap" -}}
{{- end -}}
{{- if and .Values.proxy.enabled (not (hasPrefix "unix:" .Values.agent.adminAddress)) -}}
{{- fail "agent.adminAddress: the chart's own proxy puts Envoy's admin on a unix socket; give unix:<path>" -}}
{{- end -}}
{{- if and .Values.agent.journal.checkpoint.every (not .Values.agent.journal.checkpoint.keySecret) -}}
{{- fail "agent.journal.checkpoint.keySecret: required when agent.journal.checkpoint.every is set" -}}
{{- end -}}
{{- if and .Values.proxy.enabled (not .Values.declared.existingConfigMap) (hasKey .Values.declared.files "bootstrap.yaml") -}}
{{- fail "declared.files: bootstrap.yaml is the proxy's own bootstrap in the declared snapshot; give your file another name" -}}
{{- end -}}
{{- if and .Values.proxy.enabled (ge (int .Values.proxy.preStopSleepSeconds) (int .Values.proxy.terminationGracePeriodSeconds)) -}}
{{- fail "proxy.preStopSleepSeconds: must be shorter than proxy.terminationGracePeriodSeconds, or the kubelet kills Envoy mid-sleep" -}}
{{- end -}}
{{- $upstreams := dict -}}
{{- range .Values.proxy.upstreams -}}
{{- if hasKey $upstreams .name -}}
{{- fail (printf "proxy.upstreams: the name %q is used twice; upstream names must be unique" .name) -}}
{{- end -}}
{{- $_ := set $upstreams .name true -}}
{{- end -}}
{{- end -}}
