// SPDX-License-Identifier: MIT
// The addon's life in Node: a process exits by itself once its sockets and servers are
// closed (the loop's handles are unreferenced: `npm test` cannot hang on csctp), stays alive
// while one is open, and a worker thread has its own context, torn down with the worker even
// with associations still open.
'use strict'
const test = require('node:test')
const assert = require('node:assert')
const path = require('path')
const { execFile } = require('child_process')
const { Worker } = require('worker_threads')

const lib = JSON.stringify(path.join(__dirname, '..', 'lib'))

function runScript (code, ms) {
  return new Promise(resolve => {
    const t0 = Date.now()
    execFile(process.execPath, ['-e', code], { timeout: ms }, (err, stdout, stderr) =>
      resolve({ code: err ? (err.killed ? 'killed' : err.code) : 0, stdout, stderr, ms: Date.now() - t0 }))
  })
}

const PAIR = `
const sctp = require(${lib})
const server = sctp.createServer()
server.listen({ port: 7000, host: '127.0.0.1', udpPort: 0 }, () => {
  const c = sctp.connect({ port: 7000, udpPeer: { address: '127.0.0.1', port: server.address().udpPort }, udpLocalPort: 0 })
  c.on('connect', () => c.write('x'))
  c.on('data', () => { console.log('echoed'); if (!process.env.KEEP) { c.end(); c.on('close', () => server.close()) } })
  c.resume()
})
server.on('connection', s => { s.on('data', d => s.write(d)); s.on('error', () => {}) })
`

test('node exits by itself once every socket and server is closed', { timeout: 20000 }, async () => {
  const r = await runScript(PAIR, 10000)
  assert.strictEqual(r.code, 0, r.stderr)
  assert.strictEqual(r.stdout.trim(), 'echoed')
})

test('an open association keeps node alive', { timeout: 20000 }, async () => {
  const r = await runScript('process.env.KEEP = 1\n' + PAIR + 'setTimeout(() => { console.log("alive"); process.exit(0) }, 1500).unref()', 10000)
  assert.strictEqual(r.code, 0, r.stderr)
  assert.deepStrictEqual(r.stdout.trim().split('\n'), ['echoed', 'alive'])
})

test('a worker thread runs its own associations and is torn down with them open', { timeout: 20000 }, async () => {
  const w = new Worker(`
    const { parentPort } = require('worker_threads')
    process.env.KEEP = 1
    const log = console.log
    console.log = m => parentPort.postMessage(m)
    ${PAIR}
  `, { eval: true })
  const msg = await new Promise((resolve, reject) => {
    w.once('message', resolve)
    w.once('error', reject)
  })
  assert.strictEqual(msg, 'echoed')
  const code = await w.terminate()
  assert.strictEqual(code, 1, 'terminated')
})
