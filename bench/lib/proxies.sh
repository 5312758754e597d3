# Sourced by bench/ingress, bench/ingress-ab, bench/h2 and bench/tcp: what they set up the same way.
# (Not a bench itself: no shebang, nothing runs when sourced.)

# A free TCP port on loopback (the kernel's choice; a bench binds it right after).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# The agent's JVM options, as the lab starts it (agent/jvm-options), on one line.
agent_jvm_options() { grep -v '^[[:space:]]*#' "$1/agent/jvm-options" | tr '\n' ' '; }

# nginx_conf DIR BODY: DIR/nginx.conf for one nginx worker in the foreground, its pid, logs and
# temporary files in DIR, no access log, 100000 requests per client connection, BODY inside http { }.
nginx_conf() {
  cat > "$1/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $1/nginx.pid; error_log $1/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000;
  client_body_temp_path $1; proxy_temp_path $1; fastcgi_temp_path $1; uwsgi_temp_path $1; scgi_temp_path $1;
$2 }
CONF
}

# nginx_upstream_conf DIR PORT: the machine every proxy forwards to, a small 200 on 127.0.0.1:PORT.
nginx_upstream_conf() {
  nginx_conf "$1" "  server { listen 127.0.0.1:$2; location / { return 200 \"hello from the upstream\\n\"; } }"
}

# The upstream block of a proxying nginx (keep-alive to the machine on UPSTREAM_PORT) and the
# location that forwards to it as the other proxies do, without response buffering.
nginx_machine() { echo "  upstream machine { server 127.0.0.1:$1; keepalive 64; }"; }
# Every proxy sends the machine the fields fleetnet sends (the Host as the client sent it,
# X-Forwarded-For/-Host/-Proto/-Port, Forwarded, X-Machine-Id, Via) and adds Via to the response,
# so that the machine parses the same request behind each of them and wrk the same response:
# about 280 bytes of request head instead of 100 (nginx's and HAProxy's defaults).
nginx_forward() { # [extra proxy_set_header lines...]
  echo "    location / { proxy_pass http://machine; proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_set_header Host \$http_host;"
  echo "                 proxy_set_header X-Forwarded-For \$remote_addr; proxy_set_header X-Forwarded-Host \$http_host;"
  echo "                 proxy_set_header X-Forwarded-Proto \$scheme; proxy_set_header X-Forwarded-Port \$server_port;"
  echo "                 proxy_set_header Forwarded \"for=\$remote_addr;host=\$http_host;proto=\$scheme\";"
  echo "                 proxy_set_header X-Machine-Id web; proxy_set_header Via \"1.1 nginx\"; add_header Via \"1.1 nginx\" always;"
  echo "                 $* proxy_buffering off; }"
}
# The same fields from HAProxy: lines for its backend section (the scheme from the frontend's TLS).
haproxy_forward() {
  cat <<'RULES'
  option forwardfor
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  http-request set-header X-Forwarded-Proto %[ssl_fc,iif(https,http)]
  http-request set-header X-Forwarded-Port %[dst_port]
  http-request set-header Forwarded "for=%[src];host=%[req.hdr(host)];proto=%[ssl_fc,iif(https,http)]"
  http-request set-header X-Machine-Id web
  http-request add-header Via "1.1 haproxy"
  http-response add-header Via "1.1 haproxy"
RULES
}
