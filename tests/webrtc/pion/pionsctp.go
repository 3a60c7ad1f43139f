// SPDX-License-Identifier: MIT
// pionsctp: a pion/sctp association over a UDP socket (plain SCTP in UDP, as RFC 6951 and
// csctp's --udp mode carry it), as echo server or as sender, for tests/webrtc/pion/run.sh.
//
//	pionsctp echo -listen 127.0.0.1:0 [-unordered] [-timeout S]
//	    prints "listening PORT" on stdout, serves the first peer that sends to it: every
//	    message goes back on its stream with its PPID (pion does not say whether a message came
//	    unordered: -unordered echoes everything unordered); exits when the association ends.
//	pionsctp send -peer 127.0.0.1:PORT -size N -count C [-streams K] [-unordered] [-ppid P]
//	    [-verify] [-timeout S]
//	    opens K streams towards SCTP port 5000, sends C messages of N bytes round robin
//	    (message i on stream i % K, its index in the first 8 bytes, then the pattern of
//	    csctp's own sender), with -verify checks every echo, then prints
//	    "sent C messages (B bytes) in T s: X MB/s, Y msgs/s" on stdout.
//
// Built offline in GOPATH mode from Debian's golang-github-pion-sctp-dev (pion/sctp 1.8.6).
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/logging"
	"github.com/pion/sctp"
)

const maxMessage = 1 << 20

func die(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "pionsctp: "+format+"\n", a...)
	os.Exit(1)
}

// firstPeerConn is a net.Conn over an unconnected UDP socket: it talks to the first address
// that sends to it and ignores every other one.
type firstPeerConn struct {
	*net.UDPConn
	mu   sync.Mutex
	peer *net.UDPAddr
}

func (c *firstPeerConn) Read(b []byte) (int, error) {
	for {
		n, addr, err := c.UDPConn.ReadFromUDP(b)
		if err != nil {
			return n, err
		}
		c.mu.Lock()
		if c.peer == nil {
			c.peer = addr
			fmt.Fprintf(os.Stderr, "pionsctp echo: peer %s\n", addr)
		}
		ok := c.peer.IP.Equal(addr.IP) && c.peer.Port == addr.Port
		c.mu.Unlock()
		if ok {
			return n, nil
		}
	}
}

func (c *firstPeerConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	peer := c.peer
	c.mu.Unlock()
	if peer == nil {
		return 0, errors.New("no peer yet")
	}
	return c.UDPConn.WriteToUDP(b, peer)
}

func (c *firstPeerConn) RemoteAddr() net.Addr {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.peer == nil {
		return nil
	}
	return c.peer
}

func config(conn net.Conn) sctp.Config {
	return sctp.Config{
		NetConn:              conn,
		MaxReceiveBufferSize: 4 << 20,
		MaxMessageSize:       maxMessage,
		LoggerFactory:        logging.NewDefaultLoggerFactory(),
	}
}

func setTimeout(seconds int) {
	if seconds > 0 {
		time.AfterFunc(time.Duration(seconds)*time.Second, func() { die("timed out after %d s", seconds) })
	}
}

// ---------------------------------------------------------------- echo

func cmdEcho(args []string) {
	fs := flag.NewFlagSet("echo", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:0", "local UDP address")
	unordered := fs.Bool("unordered", false, "echo unordered")
	timeout := fs.Int("timeout", 60, "give up after this many seconds")
	_ = fs.Parse(args)
	setTimeout(*timeout)
	laddr, err := net.ResolveUDPAddr("udp", *listen)
	if err != nil {
		die("%v", err)
	}
	udp, err := net.ListenUDP("udp", laddr)
	if err != nil {
		die("listen: %v", err)
	}
	fmt.Printf("listening %d\n", udp.LocalAddr().(*net.UDPAddr).Port)
	os.Stdout.Sync()
	a, err := sctp.Server(config(&firstPeerConn{UDPConn: udp}))
	if err != nil {
		die("association: %v", err)
	}
	fmt.Fprintf(os.Stderr, "pionsctp echo: association up\n")
	var messages, bytes uint64
	var wg sync.WaitGroup
	for {
		s, err := a.AcceptStream()
		if err != nil {
			break // the association ended (SHUTDOWN or ABORT from the peer)
		}
		if *unordered {
			s.SetReliabilityParams(true, sctp.ReliabilityTypeReliable, 0)
		}
		wg.Add(1)
		go func(s *sctp.Stream) {
			defer wg.Done()
			buf := make([]byte, maxMessage)
			for {
				n, ppi, err := s.ReadSCTP(buf)
				if err != nil {
					return
				}
				atomic.AddUint64(&messages, 1)
				atomic.AddUint64(&bytes, uint64(n))
				if _, err := s.WriteSCTP(buf[:n], ppi); err != nil {
					fmt.Fprintf(os.Stderr, "pionsctp echo: stream %d: write: %v\n", s.StreamIdentifier(), err)
					return
				}
			}
		}(s)
	}
	fmt.Fprintf(os.Stderr, "pionsctp echo: association ended after %d messages, %d bytes\n",
		atomic.LoadUint64(&messages), atomic.LoadUint64(&bytes))
	_ = a.Close()
	wg.Wait()
}

// ---------------------------------------------------------------- send

// fill is csctp's pattern (tools/csctp.c): the index in the first 8 bytes, then a pattern.
func fill(b []byte, idx uint64) {
	for j := range b {
		b[j] = byte(idx*131 + uint64(j)*7 + 1)
	}
	for j := 0; j < 8 && j < len(b); j++ {
		b[j] = byte(idx >> (8 * j))
	}
}

func cmdSend(args []string) {
	fs := flag.NewFlagSet("send", flag.ExitOnError)
	peer := fs.String("peer", "", "csctp's UDP address")
	size := fs.Int("size", 1000, "message size")
	count := fs.Int("count", 1000, "messages")
	streams := fs.Int("streams", 1, "streams")
	unordered := fs.Bool("unordered", false, "send unordered")
	ppid := fs.Uint("ppid", 53, "payload protocol identifier")
	verify := fs.Bool("verify", false, "check every echo")
	timeout := fs.Int("timeout", 60, "give up after this many seconds")
	highKiB := fs.Int("buffer-kib", 1024, "write while a stream buffers at most this much")
	_ = fs.Parse(args)
	if *peer == "" || *size <= 0 || *size > maxMessage || *count <= 0 || *streams <= 0 || *streams > 65535 {
		die("usage: pionsctp send -peer IP:PORT -size N -count C [-streams K] [-unordered] [-verify]")
	}
	setTimeout(*timeout)
	raddr, err := net.ResolveUDPAddr("udp", *peer)
	if err != nil {
		die("%v", err)
	}
	conn, err := net.DialUDP("udp", nil, raddr) // a connected UDP socket
	if err != nil {
		die("dial: %v", err)
	}
	a, err := sctp.Client(config(conn))
	if err != nil {
		die("association: %v", err)
	}
	t0 := time.Now()
	n, k, sz := uint64(*count), *streams, *size
	ss := make([]*sctp.Stream, k)
	low := make([]chan struct{}, k)
	high := uint64(*highKiB) << 10
	lowMark := high / 4
	for i := range ss {
		s, err := a.OpenStream(uint16(i), sctp.PayloadProtocolIdentifier(*ppid))
		if err != nil {
			die("stream %d: %v", i, err)
		}
		if *unordered {
			s.SetReliabilityParams(true, sctp.ReliabilityTypeReliable, 0)
		}
		ch := make(chan struct{}, 1)
		s.SetBufferedAmountLowThreshold(lowMark)
		s.OnBufferedAmountLow(func() {
			select {
			case ch <- struct{}{}:
			default:
			}
		})
		ss[i], low[i] = s, ch
	}

	var echoed, bad uint64
	done := make(chan struct{})
	var doneOnce sync.Once
	got := make([]uint32, n) // per message: echoed once (atomic)
	{
		for i := 0; i < k; i++ {
			go func(sid int) {
				buf := make([]byte, maxMessage)
				want := make([]byte, sz)
				next := uint64(sid) // small ordered messages: the next index expected on this stream
				for {
					m, ppi, err := ss[sid].ReadSCTP(buf)
					if err != nil {
						if err != io.EOF {
							fmt.Fprintf(os.Stderr, "pionsctp send: stream %d: read: %v\n", sid, err)
						}
						return
					}
					if !*verify {
						continue // read and drop: the echoes must not fill pion's receive buffer
					}
					var idx uint64
					switch {
					case sz >= 8 && m >= 8:
						idx = binary.LittleEndian.Uint64(buf[:8])
					case !*unordered:
						idx = next
						next += uint64(k)
					default: // small unordered: any index of this stream not seen yet
						idx = n
						for j := uint64(sid); j < n; j += uint64(k) {
							if atomic.LoadUint32(&got[j]) == 0 {
								fill(want, j)
								if m == sz && string(want) == string(buf[:m]) {
									idx = j
									break
								}
							}
						}
					}
					ok := idx < n && m == sz && uint(ppi) == *ppid && idx%uint64(k) == uint64(sid)
					if ok {
						fill(want, idx)
						ok = string(want) == string(buf[:m]) && atomic.CompareAndSwapUint32(&got[idx], 0, 1)
					}
					if !ok {
						if atomic.AddUint64(&bad, 1) <= 5 {
							fmt.Fprintf(os.Stderr, "pionsctp send: bad echo (stream %d, ppid %d, %d bytes, index %d)\n",
								sid, ppi, m, idx)
						}
						continue
					}
					if atomic.AddUint64(&echoed, 1) == n {
						doneOnce.Do(func() { close(done) })
					}
				}
			}(i)
		}
	}

	buf := make([]byte, sz)
	for i := uint64(0); i < n; i++ {
		sid := int(i % uint64(k))
		s := ss[sid]
		for s.BufferedAmount() > high {
			select {
			case <-low[sid]:
			case <-time.After(time.Millisecond):
			}
		}
		fill(buf, i)
		if _, err := s.WriteSCTP(buf, sctp.PayloadProtocolIdentifier(*ppid)); err != nil {
			die("write %d: %v", i, err)
		}
	}
	if *verify {
		<-done
	} else {
		for {
			var total uint64
			for _, s := range ss {
				total += s.BufferedAmount()
			}
			if total == 0 {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	t := time.Since(t0).Seconds()
	bytes := float64(n) * float64(sz)
	fmt.Printf("sent %d messages (%.0f bytes) in %.3f s: %.2f MB/s, %.0f msgs/s\n", n, bytes, t, bytes/t/1e6, float64(n)/t)
	os.Stdout.Sync()
	// A graceful SHUTDOWN (RFC 9260 section 9.2), then the socket goes.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	if err := a.Shutdown(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "pionsctp send: shutdown: %v\n", err)
	}
	cancel()
	_ = a.Close()
	_ = conn.Close()
	if atomic.LoadUint64(&bad) > 0 {
		die("%d bad echoes", bad)
	}
}

func main() {
	if len(os.Args) < 2 {
		die("usage: pionsctp echo|send [options]")
	}
	switch os.Args[1] {
	case "echo":
		cmdEcho(os.Args[2:])
	case "send":
		cmdSend(os.Args[2:])
	default:
		die("unknown command %q", os.Args[1])
	}
}
