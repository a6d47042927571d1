{{/*
The access proxy's Envoy bootstrap. The same text is the proxy's config and,
unless declared.existingConfigMap is set, its declared snapshot: the agent then
reports any change made at run time (admin API, runtime) as drift.
*/}}
{{- define "envoy-drift.bootstrap" -}}
admin:
  address:
    pipe:
      path: {{ include "envoy-drift.adminSocketPath" . }}
      # 0660 (432): Envoy and the agent reach the socket through the pod's fsGroup.
      mode: 432
static_resources:
  listeners:
    - name: ingress_http
      address:
        socket_address:
          address: 0.0.0.0
          port_value: {{ .Values.proxy.listenerPort }}
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: ingress_http
                access_log:
                  - name: envoy.access_loggers.stdout
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                route_config:
                  name: ingress_http
                  virtual_hosts:
                    - name: upstreams
                      domains: ["*"]
                      routes:
                        {{- range .Values.proxy.upstreams }}
                        - match:
                            prefix: {{ .pathPrefix | default "/" | quote }}
                          route:
                            cluster: {{ .name }}
                        {{- end }}
                        - match:
                            prefix: "/"
                          direct_response:
                            status: 404
                http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
    # Answers the kubelet's readiness probe without exposing the admin API:
    # 200 while Envoy serves, 503 once it drains or fails.
    - name: readiness
      address:
        socket_address:
          address: 0.0.0.0
          port_value: {{ .Values.proxy.readinessPort }}
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: readiness
                route_config:
                  name: readiness
                  virtual_hosts:
                    - name: readiness
                      domains: ["*"]
                      routes:
                        - match:
                            prefix: "/"
                          direct_response:
                            status: 404
                http_filters:
                  - name: envoy.filters.http.health_check
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck
                      pass_through_mode: false
                      headers:
                        - name: ":path"
                          string_match:
                            exact: /ready
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
    {{- range .Values.proxy.upstreams }}
    - name: {{ .name }}
      type: STRICT_DNS
      connect_timeout: {{ .connectTimeout | default "2s" }}
      load_assignment:
        cluster_name: {{ .name }}
        endpoints:
          - lb_endpoints:
              - endpoint:
                  address:
                    socket_address:
                      address: {{ .host }}
                      port_value: {{ .port }}
    {{- else }} []
    {{- end }}
{{- end -}}
