// Node.js ssh2's Client against an SSH server for the interop tests: forwardOut (a direct-tcpip channel to the echo
// server), forwardIn on a given port and on port 0 (tcpip-forward; each forwarded-tcpip channel is joined to the echo
// server), each carrying random bytes there and back, compared; then unforwardIn. Prints "<name> ok" per step.
// Usage: node ssh2-client.js PORT PRIVATE_KEY HOST_KEY_BASE64 ECHO_PORT PAYLOAD_BYTES REMOTE_PORT
'use strict';
const fs = require('fs');
const net = require('net');
const crypto = require('crypto');
const { Client } = require('ssh2');

const [port, keyPath, hostKey, echoPort, payloadBytes, remotePort] = process.argv.slice(2);
const expectedHostKey = Buffer.from(hostKey, 'base64');

function exchange(stream, data) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
    stream.end(data);
  });
}

function check(name, sent, got) {
  if (!sent.equals(got)) throw new Error(`${name}: ${got.length} bytes back, not the ${sent.length} sent`);
  console.log(name + ' ok');
}

const call = (fn) => new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

function tcpExchange(p, data) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port: p, host: '127.0.0.1', allowHalfOpen: true }, () => exchange(socket, data).then(resolve, reject));
    socket.once('error', reject);
  });
}

const conn = new Client();
conn.on('tcp connection', (info, accept) => {
  const channel = accept();
  const socket = net.connect({ port: Number(echoPort), host: '127.0.0.1', allowHalfOpen: true });
  channel.pipe(socket).pipe(channel);
});
conn.on('ready', async () => {
  try {
    const data = crypto.randomBytes(Number(payloadBytes));
    const channel = await call((cb) => conn.forwardOut('127.0.0.1', 40000, '127.0.0.1', Number(echoPort), cb));
    check('forwardOut', data, await exchange(channel, data));
    await call((cb) => conn.forwardIn('127.0.0.1', Number(remotePort), cb));
    check('forwardIn', data, await tcpExchange(Number(remotePort), data));
    const allocated = await call((cb) => conn.forwardIn('127.0.0.1', 0, cb));
    if (!(allocated > 0)) throw new Error('forwardIn 0: no port allocated (' + allocated + ')');
    check('forwardIn 0', data, await tcpExchange(allocated, data));
    await call((cb) => conn.unforwardIn('127.0.0.1', allocated, cb));
    await call((cb) => conn.unforwardIn('127.0.0.1', Number(remotePort), cb));
    console.log('unforwardIn ok');
    conn.end();
  } catch (err) {
    console.error(err.stack || String(err));
    process.exitCode = 1;
    conn.end();
  }
});
conn.on('error', (err) => { console.error('connection error: ' + err.message); process.exitCode = 1; });
conn.connect({
  host: '127.0.0.1', port: Number(port), username: 'alice', privateKey: fs.readFileSync(keyPath),
  hostVerifier: (key) => Buffer.isBuffer(key) && key.length === expectedHostKey.length && crypto.timingSafeEqual(key, expectedHostKey),
});
