// SPDX-License-Identifier: MIT
// Back-pressure both ways: write() returns false past the high-water mark and 'drain'
// follows; a peer that does not read (pause()) makes the sender's writes wait (its callbacks
// are held) because the paused socket's receive window closes (csctp_socket_pause), and
// resume() lets everything through, in order.
'use strict'
const test = require('node:test')
const assert = require('node:assert')
const { udpPair, until, waitFor } = require('./support/helpers')

const T = { timeout: 30000 }

test('write() returns false past the high-water mark, then drain', T, async () => {
  const { server, client, peer } = await udpPair()
  let got = 0
  peer.on('data', d => { got += d.length })
  const chunk = Buffer.alloc(64 * 1024, 1)
  assert.strictEqual(client.write(chunk), false, '64 KiB is past the 16 KiB high-water mark')
  await waitFor(client, 'drain')
  let writes = 0
  while (client.write(Buffer.alloc(1000, 2))) writes++
  assert.ok(writes >= 10, 'small writes are accepted up to the mark (' + writes + ')')
  await waitFor(client, 'drain')
  await until(() => got === 64 * 1024 + (writes + 1) * 1000, 10000, 'everything delivered')
  client.destroy()
  server.close()
})

test('pause() closes the receive window: the sender stops; resume() delivers all in order', T, async () => {
  const { server, client, peer } = await udpPair({ client: { sndbuf: 256 * 1024 }, server: {} })
  const seen = []
  peer.on('data', d => seen.push(d.readUInt32BE(0)))
  peer.pause()
  let completed = 0
  const N = 2000
  const msg = i => {
    const b = Buffer.alloc(1000)
    b.writeUInt32BE(i, 0)
    return b
  }
  for (let i = 0; i < N; i++) client.write(msg(i), () => { completed++ })
  // The peer keeps at most its window (1 MiB) and the sender its send buffer (256 KiB):
  // well short of the 2 MB written, the writes stop completing.
  await new Promise(resolve => setTimeout(resolve, 1500))
  const stalled = completed
  assert.ok(stalled < N, 'the sender is held back (' + stalled + ' of ' + N + ' writes completed)')
  assert.strictEqual(seen.length, 0, 'nothing delivered while paused')
  const info = require('../lib/native').native.info(client._token)
  assert.ok(info.peerRwnd < 64 * 1024, 'the window the sender sees is closed (' + info.peerRwnd + ')')
  peer.resume()
  await until(() => seen.length === N, 20000, 'every message after resume')
  assert.deepStrictEqual(seen, Array.from({ length: N }, (_, i) => i), 'in order')
  await until(() => completed === N, 5000, 'every write completed')
  client.destroy()
  server.close()
})
