package testharness

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// TCPProxy forwards connections from a loopback address to a target. Cut makes
// the target unreachable through it (live connections are reset, new ones are
// refused); Restore brings it back on the same address.
type TCPProxy struct {
	t      testing.TB
	target string
	addr   string

	mu     sync.Mutex
	ln     net.Listener // nil while cut
	pairs  map[*proxyPair]struct{}
	closed bool
	wg     sync.WaitGroup
}

type proxyPair struct {
	client, upstream net.Conn
	once             sync.Once
}

// proxyDialTimeout bounds the connection to the target.
const proxyDialTimeout = 5 * time.Second

// NewTCPProxy listens on 127.0.0.1 at a random port and forwards every
// connection to target (host:port). It is closed in t.Cleanup.
func NewTCPProxy(t testing.TB, target string) *TCPProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testharness: proxy listen: %v", err)
	}
	p := &TCPProxy{t: t, target: target, addr: ln.Addr().String(), ln: ln, pairs: map[*proxyPair]struct{}{}}
	p.serve(ln)
	t.Cleanup(p.close)
	return p
}

// Addr is the host:port the proxy listens on. It does not change across
// Cut and Restore.
func (p *TCPProxy) Addr() string { return p.addr }

// Target is the host:port the proxy forwards to.
func (p *TCPProxy) Target() string { return p.target }

// Active is the number of connections being forwarded now.
func (p *TCPProxy) Active() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.pairs)
}

// Cut resets every live connection and closes the listener, so that new
// connections are refused until Restore.
func (p *TCPProxy) Cut() {
	p.mu.Lock()
	ln := p.ln
	p.ln = nil
	pairs := p.takePairs()
	p.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
	for _, pp := range pairs {
		pp.reset()
	}
}

// Restore listens again on the same address. It fails the test (of
// NewTCPProxy) when the address cannot be had back within 5 s. It must be
// called from that test's goroutine.
func (p *TCPProxy) Restore() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil || p.closed {
		return
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ln, err := net.Listen("tcp", p.addr)
		if err == nil {
			p.ln = ln
			p.serve(ln)
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("testharness: proxy restore on %s: %v", p.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serve runs the accept loop of ln.
func (p *TCPProxy) serve(ln net.Listener) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				time.Sleep(10 * time.Millisecond) // e.g. EMFILE
				continue
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.forward(c)
			}()
		}
	}()
}

func (p *TCPProxy) forward(client net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, proxyDialTimeout)
	if err != nil {
		resetConn(client)
		return
	}
	pp := &proxyPair{client: client, upstream: up}
	p.mu.Lock()
	if p.ln == nil || p.closed { // cut while we were dialing
		p.mu.Unlock()
		pp.reset()
		return
	}
	p.pairs[pp] = struct{}{}
	p.mu.Unlock()

	done := make(chan struct{})
	go func() {
		pipe(up, client, pp)
		close(done)
	}()
	pipe(client, up, pp)
	<-done
	pp.once.Do(func() {
		_ = client.Close()
		_ = up.Close()
	})
	p.mu.Lock()
	delete(p.pairs, pp)
	p.mu.Unlock()
}

// pipe copies src to dst. At EOF it half-closes dst; on an error it resets the
// pair.
func pipe(dst, src net.Conn, pp *proxyPair) {
	_, err := io.Copy(dst, src)
	if err != nil {
		pp.reset()
		return
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

func (pp *proxyPair) reset() {
	pp.once.Do(func() {
		resetConn(pp.client)
		resetConn(pp.upstream)
	})
}

// resetConn closes with SO_LINGER 0, so that the peer sees a reset.
func resetConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// takePairs empties the connection set; p.mu must be held.
func (p *TCPProxy) takePairs() []*proxyPair {
	out := make([]*proxyPair, 0, len(p.pairs))
	for pp := range p.pairs {
		out = append(out, pp)
	}
	clear(p.pairs)
	return out
}

func (p *TCPProxy) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.Cut()
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		p.t.Logf("testharness: proxy %s: forwarding goroutines still running after 5 s", p.addr)
	}
}
