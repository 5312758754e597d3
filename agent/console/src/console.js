// The web console: one terminal on one machine, over a WebSocket to this host's ingress.
// The link's token is in the fragment (never sent with the page request); it goes once, in the
// WebSocket's Sec-WebSocket-Protocol, and the ingress spends it there.
// To the ingress: binary frames are keystrokes (UTF-8), text frames are {"type":"resize",...}.
// From the ingress: binary frames are terminal output; the close frame's reason says why it ended.
import { Terminal } from './xterm.mjs';
import { FitAddon } from './addon-fit.mjs';
import { AttachAddon } from './addon-attach.mjs';

const PROTOCOL = 'fleetnet.console.v1';
const status = document.getElementById('status');
const token = location.hash.slice(1);
// single use: keep the token out of the address bar and the history once read
history.replaceState(null, '', location.pathname);

const term = new Terminal({ cursorBlink: true, scrollback: 5000, fontFamily: 'monospace' });
const fit = new FitAddon();
term.loadAddon(fit);
term.open(document.getElementById('terminal'));
fit.fit();

function show(text, closed) {
  status.textContent = text;
  document.body.classList.toggle('closed', closed);
}

if (!token) {
  term.writeln('fleetnet: this page opens with a console link (expected: the link `fleetnet machine console MACHINE` prints)');
  show('no console link', true);
} else {
  const url = `wss://${location.host}/session?cols=${term.cols}&rows=${term.rows}`;
  const socket = new WebSocket(url, [PROTOCOL, token]);
  // output only: keystrokes and resizes go as the messages below
  term.loadAddon(new AttachAddon(socket, { bidirectional: false }));
  const encoder = new TextEncoder();
  const send = (message) => {
    if (socket.readyState === WebSocket.OPEN) {
      socket.send(message);
    }
  };
  term.onData((data) => send(encoder.encode(data)));
  term.onBinary((data) => send(Uint8Array.from(data, (c) => c.charCodeAt(0) & 255)));
  term.onResize(({ cols, rows }) => {
    send(JSON.stringify({ type: 'resize', cols, rows }));
    if (socket.readyState === WebSocket.OPEN) {
      show(`connected (${cols}x${rows})`, false);
    }
  });
  window.addEventListener('resize', () => fit.fit());
  socket.addEventListener('open', () => {
    show(`connected (${term.cols}x${term.rows})`, false);
    term.focus();
  });
  socket.addEventListener('close', (event) => {
    if (event.reason) {
      show(`closed: ${event.reason}`, true);
    } else {
      term.writeln('\r\nfleetnet: the connection to the console was lost');
      show(`closed (code ${event.code})`, true);
    }
  });
}
