{{/*
The envoy-drift sidecar, for this chart's proxy workload and for your own
proxy charts. Each template takes a context with .Values (this chart's
values) and .Release. From a parent chart that depends on envoy-drift:

  {{- $drift := dict "Values" (index .Values "envoy-drift") "Release" .Release }}
  containers:
    - name: envoy
      volumeMounts:
        {{- include "envoy-drift.sidecar.envoyVolumeMounts" $drift | nindent 8 }}
    {{- include "envoy-drift.sidecar.container" $drift | nindent 4 }}
  volumes:
    {{- include "envoy-drift.sidecar.volumes" $drift | nindent 4 }}

Volume names start with envoy-drift- so that they never clash with yours.
*/}}

{{/* Fixed paths in the agent container; only the declared mount is a value. */}}
{{- define "envoy-drift.paths.config" -}}/etc/envoy-drift/config{{- end -}}
{{- define "envoy-drift.paths.data" -}}/var/lib/envoy-drift{{- end -}}
{{- define "envoy-drift.paths.token" -}}/var/run/secrets/envoy-drift-agent{{- end -}}
{{- define "envoy-drift.paths.sinkSecrets" -}}/var/run/secrets/envoy-drift{{- end -}}
{{- define "envoy-drift.paths.journalKey" -}}/var/run/secrets/envoy-drift-journal{{- end -}}
{{- define "envoy-drift.paths.xdsTls" -}}/var/run/secrets/envoy-drift-xds{{- end -}}

{{/* The agent container, as one item of a pod's containers list. */}}
{{- define "envoy-drift.sidecar.container" -}}
{{- $agent := .Values.agent -}}
- name: envoy-drift
  image: {{ include "envoy-drift.agentImage" . | quote }}
  imagePullPolicy: {{ $agent.image.pullPolicy }}
  args:
    - agent
    - --admin={{ $agent.adminAddress }}
    - --declared={{ .Values.declared.mountPath }}
    # 0.0.0.0 because the kubelet's probes come from the node; the token guards the mutating routes.
    - --listen=0.0.0.0:{{ $agent.port }}
    - --token-file={{ include "envoy-drift.paths.token" . }}/token
    - --data-dir={{ include "envoy-drift.paths.data" . }}
    - --interval={{ $agent.interval }}
    - --remediation={{ $agent.remediation }}
    - --config={{ include "envoy-drift.paths.config" . }}/config.yaml
    {{- with $agent.controlPlane }}
    {{- if .address }}
    # The proxy's own control plane, asked as the proxy's node on one more read-only stream.
    - --control-plane={{ .address }}
    - --stale-grace={{ .staleGrace }}
    {{- if .tlsSecret }}
    - --control-plane-ca={{ include "envoy-drift.paths.xdsTls" $ }}/ca.crt
    {{- if .mutualTls }}
    - --control-plane-cert={{ include "envoy-drift.paths.xdsTls" $ }}/tls.crt
    - --control-plane-key={{ include "envoy-drift.paths.xdsTls" $ }}/tls.key
    {{- end }}
    {{- end }}
    {{- end }}
    {{- end }}
  env:
    - name: POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    - name: POD_NAMESPACE
      valueFrom:
        fieldRef:
          fieldPath: metadata.namespace
    - name: NODE_NAME
      valueFrom:
        fieldRef:
          fieldPath: spec.nodeName
    # Read only at process start, so set here (the image also runs `check`, which wants V8's defaults):
    # a 1 MB young generation for an agent that allocates in bursts and idles, two malloc arenas
    # instead of one per thread, and glibc's mmap and trim thresholds fixed at 128 KiB, so a dump's
    # buffers go back to the system after each check (bench/README.md, "Footprint (issue 9)";
    # the envoy-drift-agent bin sets the same).
    - name: NODE_OPTIONS
      value: --max-semi-space-size=1
    - name: MALLOC_ARENA_MAX
      value: "2"
    - name: MALLOC_MMAP_THRESHOLD_
      value: "131072"
    - name: MALLOC_TRIM_THRESHOLD_
      value: "131072"
    {{- with $agent.extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  ports:
    - name: drift-agent
      containerPort: {{ $agent.port }}
      protocol: TCP
  readinessProbe:
    httpGet:
      path: /readyz
      port: drift-agent
    {{- toYaml $agent.readinessProbe | nindent 4 }}
  livenessProbe:
    httpGet:
      path: /healthz
      port: drift-agent
    {{- toYaml $agent.livenessProbe | nindent 4 }}
  resources:
    {{- toYaml $agent.resources | nindent 4 }}
  securityContext:
    {{- toYaml $agent.securityContext | nindent 4 }}
  volumeMounts:
    {{- with include "envoy-drift.adminSocketDir" . }}
    - name: envoy-drift-admin
      mountPath: {{ . }}
    {{- end }}
    - name: envoy-drift-declared
      mountPath: {{ .Values.declared.mountPath }}
      readOnly: true
    - name: envoy-drift-config
      mountPath: {{ include "envoy-drift.paths.config" . }}
      readOnly: true
    - name: envoy-drift-token
      mountPath: {{ include "envoy-drift.paths.token" . }}
      readOnly: true
    - name: envoy-drift-data
      mountPath: {{ include "envoy-drift.paths.data" . }}
    {{- if $agent.journal.checkpoint.every }}
    - name: envoy-drift-journal-key
      mountPath: {{ include "envoy-drift.paths.journalKey" . }}
      readOnly: true
    {{- end }}
    - name: envoy-drift-tmp
      mountPath: /tmp
    {{- if and $agent.controlPlane.address $agent.controlPlane.tlsSecret }}
    - name: envoy-drift-xds-tls
      mountPath: {{ include "envoy-drift.paths.xdsTls" . }}
      readOnly: true
    {{- end }}
    {{- range $agent.sinks }}
    {{- if .credentialsSecret }}
    - name: envoy-drift-sink-{{ .name }}
      mountPath: {{ include "envoy-drift.paths.sinkSecrets" $ }}/{{ .name }}
      readOnly: true
    {{- end }}
    {{- end }}
{{- end -}}

{{/* The pod volumes that the agent container mounts. */}}
{{- define "envoy-drift.sidecar.volumes" -}}
{{- include "envoy-drift.sidecar.volumes.items" . | trim -}}
{{- end -}}

{{- define "envoy-drift.sidecar.volumes.items" -}}
{{- $agent := .Values.agent -}}
{{- if include "envoy-drift.adminSocketDir" . }}
- name: envoy-drift-admin
  emptyDir:
    sizeLimit: 1Mi
{{- end }}
- name: envoy-drift-declared
  configMap:
    name: {{ include "envoy-drift.declaredConfigName" . }}
- name: envoy-drift-config
  configMap:
    name: {{ include "envoy-drift.agentConfigName" . }}
- name: envoy-drift-token
  secret:
    secretName: {{ include "envoy-drift.tokenSecretName" . }}
    items:
      - key: {{ $agent.token.key }}
        path: token
    # 0444: the files are read-only, and only the agent container mounts them.
    defaultMode: 292
- name: envoy-drift-data
  {{- if eq $agent.journal.storage "persistentVolumeClaim" }}
  persistentVolumeClaim:
    claimName: {{ $agent.journal.existingClaim }}
  {{- else }}
  emptyDir:
    # Twice journal.maxBytes, rounded up to MiB: room for the cursors, dead letters and a segment in rotation.
    sizeLimit: {{ div (add (mul (int64 $agent.journal.maxBytes) 2) 1048575) 1048576 }}Mi
  {{- end }}
{{- if $agent.journal.checkpoint.every }}
- name: envoy-drift-journal-key
  secret:
    secretName: {{ $agent.journal.checkpoint.keySecret }}
    items:
      - key: {{ $agent.journal.checkpoint.key }}
        path: key.pem
    defaultMode: 292
{{- end }}
- name: envoy-drift-tmp
  emptyDir:
    sizeLimit: 64Mi
{{- if and $agent.controlPlane.address $agent.controlPlane.tlsSecret }}
- name: envoy-drift-xds-tls
  secret:
    secretName: {{ $agent.controlPlane.tlsSecret }}
    defaultMode: 292
{{- end }}
{{- range $agent.sinks }}
{{- if .credentialsSecret }}
- name: envoy-drift-sink-{{ .name }}
  secret:
    secretName: {{ .credentialsSecret }}
    defaultMode: 292
{{- end }}
{{- end }}
{{- end -}}

{{/* The mount that your Envoy container needs to put its admin socket where the agent reads it. */}}
{{- define "envoy-drift.sidecar.envoyVolumeMounts" -}}
{{- include "envoy-drift.sidecar.envoyVolumeMounts.items" . | trim -}}
{{- end -}}

{{- define "envoy-drift.sidecar.envoyVolumeMounts.items" -}}
{{- with include "envoy-drift.adminSocketDir" . }}
- name: envoy-drift-admin
  mountPath: {{ . }}
{{- end }}
{{- end -}}

{{/* Egress rules (NetworkPolicyEgressRule items) to the configured sinks, for your NetworkPolicy. */}}
{{- define "envoy-drift.sidecar.egressRules" -}}
{{- include "envoy-drift.sidecar.egressRules.items" . | trim -}}
{{- end -}}

{{- define "envoy-drift.sidecar.egressRules.items" -}}
{{- with .Values.agent.controlPlane }}
{{- if .address }}
- ports:
    - port: {{ splitList ":" .address | last | int }}
      protocol: TCP
  {{- with .egressTo }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}
{{- range .Values.agent.sinks }}
{{- with .egress }}
- ports:
    {{- range .ports }}
    - port: {{ .port }}
      protocol: {{ .protocol | default "TCP" }}
    {{- end }}
  {{- with .to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}
{{- end -}}
