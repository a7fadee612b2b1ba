package testharness_test

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

// echoServer echoes lines back until the client closes.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(c net.Conn, msg string) (string, error) {
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(c, msg+"\n"); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return line, err
}

func TestTCPProxyForwardsCutsAndRestores(t *testing.T) {
	proxy := testharness.NewTCPProxy(t, echoServer(t))
	addr := proxy.Addr()

	c, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		t.Fatalf("dial proxy: %v", err)
	}
	defer c.Close()
	if got, err := roundTrip(c, "hello"); err != nil || got != "hello\n" {
		t.Fatalf("echo through proxy = %q, %v", got, err)
	}
	if n := proxy.Active(); n != 1 {
		t.Errorf("Active() = %d, want 1", n)
	}

	proxy.Cut()
	if _, err := roundTrip(c, "after cut"); err == nil {
		t.Errorf("live connection still works after Cut")
	}
	if c2, err := net.DialTimeout("tcp", addr, 3*time.Second); err == nil {
		c2.Close()
		t.Errorf("new connection accepted after Cut")
	}
	if n := proxy.Active(); n != 0 {
		t.Errorf("Active() after Cut = %d, want 0", n)
	}

	proxy.Restore()
	if proxy.Addr() != addr {
		t.Errorf("address changed across Restore: %s -> %s", addr, proxy.Addr())
	}
	c3, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		t.Fatalf("dial after Restore: %v", err)
	}
	defer c3.Close()
	if got, err := roundTrip(c3, "back"); err != nil || got != "back\n" {
		t.Fatalf("echo after Restore = %q, %v", got, err)
	}
}

func TestTCPProxyUnreachableTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := ln.Addr().String()
	ln.Close() // nothing listens there now
	proxy := testharness.NewTCPProxy(t, target)
	c, err := net.DialTimeout("tcp", proxy.Addr(), 3*time.Second)
	if err != nil {
		return // reset before the dial returned: fine
	}
	defer c.Close()
	if _, err := roundTrip(c, "x"); err == nil {
		t.Errorf("round trip to a dead target succeeded")
	}
}
