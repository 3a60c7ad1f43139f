// SPDX-License-Identifier: MIT
// The "UDP / WebRTC mode" section of the original module's README (npm sctp 1.0.0): its two
// connect() calls as written there (udpTransport alone, for a socket that knows its peer
// like a DTLS one; udpTransport with udpPeer {host, port} for a plain UDP socket), with the
// addresses and ports of loopback, then one message each way and a graceful end.
// argv: UDP_PORT_A UDP_PORT_B
const dgram = require('dgram')
const sctp = require('../..')

const [portA, portB] = process.argv.slice(2).map(Number)

// "myDTLSSocket": a UDP socket connected to its peer behaves as a DTLS one here.
const myDTLSSocket = dgram.createSocket('udp4')
const udpSocket = dgram.createSocket('udp4')
udpSocket.bind(portB, '127.0.0.1', () => {
  myDTLSSocket.bind(portA, '127.0.0.1', () => {
    myDTLSSocket.connect(portB, '127.0.0.1', () => {
      let socket = sctp.connect({
        passive: true,
        localPort: 5000,
        port: 5000,
        udpTransport: udpSocket,
        udpPeer: {
          host: '127.0.0.1',
          port: portA
        }
      })

      let other = sctp.connect({
        localPort: 5000,
        port: 5000,
        udpTransport: myDTLSSocket
      })

      socket.on('data', data => {
        console.log('passive socket received', data.toString(), 'ppid', data.ppid)
        socket.write(Buffer.from('pong'))
      })
      other.on('connect', () => {
        const b = Buffer.from('ping')
        b.ppid = sctp.PPID.WEBRTC_STRING
        other.write(b)
      })
      other.on('data', data => {
        console.log('active socket received', data.toString())
        other.end()
      })
      socket.on('end', () => console.log('passive socket end'))
      other.on('close', () => {
        console.log('closed')
        udpSocket.close()
        myDTLSSocket.close()
      })
    })
  })
})
