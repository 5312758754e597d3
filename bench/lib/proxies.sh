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
# location that forwards to it as the other proxies do (X-Forwarded-For, no response buffering).
nginx_machine() { echo "  upstream machine { server 127.0.0.1:$1; keepalive 64; }"; }
nginx_forward() { # [extra proxy_set_header lines...]
  echo "    location / { proxy_pass http://machine; proxy_http_version 1.1; proxy_set_header Connection \"\";"
  echo "                 proxy_set_header X-Forwarded-For \$remote_addr; $* proxy_buffering off; }"
}
