// An SSH server built on Node.js's ssh2 (mscdex/ssh2) for the interop tests: user "alice" with the one authorised
// public key, direct-tcpip (connects to the target, then accepts the channel), tcpip-forward (listens, port 0 gets a
// port of the system's choosing, each connection becomes a forwarded-tcpip channel naming the bound port) and
// cancel-tcpip-forward. No sessions. Each direct-tcpip channel is followed by a key re-exchange the server starts.
// Prints "listening on port N" on stderr once bound.
// Usage: node ssh2-server.js HOST_KEY AUTHORIZED_PUBLIC_KEY
'use strict';
const fs = require('fs');
const net = require('net');
const crypto = require('crypto');
const { Server, utils: { parseKey } } = require('ssh2');

const hostKey = fs.readFileSync(process.argv[2]);
const allowed = parseKey(fs.readFileSync(process.argv[3]));
if (allowed instanceof Error) throw allowed;

function same(a, b) {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

// Both directions half-close: the sockets are made with allowHalfOpen (Node's default closes a socket at its peer's
// FIN), and the socket's end of file becomes an SSH EOF alone: ending a server-side ssh2 Channel (what pipe() does)
// sends EOF and CLOSE together, which would cut off the data still coming the other way.
function splice(channel, socket) {
  channel.pipe(socket);
  socket.pipe(channel, { end: false });
  socket.on('end', () => channel.eof());
  socket.on('error', () => channel.destroy());
  channel.on('error', () => socket.destroy());
  channel.on('close', () => socket.end());
}

const server = new Server({ hostKeys: [hostKey] }, (client) => {
  const listeners = new Map();
  client.on('authentication', (ctx) => {
    if (ctx.username === 'alice' && ctx.method === 'publickey' && ctx.key.algo === allowed.type
        && same(ctx.key.data, allowed.getPublicSSH())
        && (!ctx.signature || allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true)) {
      ctx.accept();
    } else {
      ctx.reject(['publickey']);
    }
  });
  client.on('ready', () => {
    client.on('session', (accept, reject) => reject());
    client.on('tcpip', (accept, reject, info) => {
      const socket = net.connect({ port: info.destPort, host: info.destIP, allowHalfOpen: true });
      socket.once('error', () => reject());
      socket.once('connect', () => {
        splice(accept(), socket);
        client.rekey(() => console.error('rekeyed')); // server-initiated, while the data starts to flow
      });
    });
    client.on('request', (accept, reject, name, info) => {
      const key = info.bindAddr + ':' + info.bindPort;
      if (name === 'tcpip-forward') {
        const listener = net.createServer({ allowHalfOpen: true }, (socket) => {
          client.forwardOut(info.bindAddr, listener.address().port, socket.remoteAddress, socket.remotePort, (err, channel) => {
            if (err) socket.destroy(); else splice(channel, socket);
          });
        });
        listener.once('error', () => reject && reject());
        listener.listen(info.bindPort, info.bindAddr, () => {
          listeners.set(key, listener);
          if (accept) accept(listener.address().port);
        });
      } else if (name === 'cancel-tcpip-forward' && listeners.has(key)) {
        listeners.get(key).close();
        listeners.delete(key);
        if (accept) accept();
      } else if (reject) {
        reject();
      }
    });
  });
  client.on('close', () => { for (const l of listeners.values()) l.close(); });
  client.on('error', (err) => console.error('client error:', err.message));
});
server.listen(0, '127.0.0.1', () => console.error('listening on port ' + server.address().port));
