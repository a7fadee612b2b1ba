package federation

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/internal/tracing"
)

// ErrPrivateAddress: an upstream URL resolved to a loopback, link-local,
// private or otherwise internal address and the provider does not allow
// them (SECURITY 49).
var ErrPrivateAddress = errors.New("federation: upstream address is not public")

// maxRedirects bounds the redirects an upstream request follows.
const maxRedirects = 3

// newHTTPClient is the client of one provider: every request ends within
// timeout, and unless allowPrivate every connection to a non-public
// address is refused after name resolution, so DNS cannot smuggle one in.
func newHTTPClient(timeout time.Duration, allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = refusePrivate
	}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: tracing.Transport(transport), // a client span per call when tracing is on
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return errors.New("federation: too many redirects")
			}
			return nil
		},
	}
}

// refusePrivate is a net.Dialer Control: it sees the resolved address.
func refusePrivate(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("federation: dial %q: %w", address, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("federation: dial %q: %w", address, err)
	}
	if !PublicAddress(ip) {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, ip)
	}
	return nil
}

// PublicAddress reports whether ip may be dialled for a provider that does
// not allow private addresses: not loopback, link-local, private (RFC 1918,
// RFC 4193), shared (RFC 6598), unspecified or multicast.
func PublicAddress(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	return !sharedAddressSpace.Contains(ip)
}

// sharedAddressSpace is carrier-grade NAT space (RFC 6598).
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")
