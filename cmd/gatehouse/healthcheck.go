package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"
)

type healthcheckOptions struct {
	url     string
	timeout time.Duration
}

func healthcheckFlags(fs *flag.FlagSet) any {
	o := &healthcheckOptions{}
	fs.StringVar(&o.url, "url", "", "health `URL` to query (default: http://127.0.0.1:PORT/healthz from GATEHOUSE_LISTEN)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "give up after this long")
	return o
}

// runHealthcheck asks the local server for /healthz: Docker's HEALTHCHECK in
// an image without curl.
func runHealthcheck(ctx context.Context, e *env, common *commonFlags, opts any, _ []string) error {
	o := opts.(*healthcheckOptions)
	target := o.url
	if target == "" {
		cfg, err := loadConfig(e, common)
		if err != nil {
			return err
		}
		target, err = localHealthURL(cfg.Listen)
		if err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("%w: bad health URL: %v", errUsage, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health check: %s answered %s", target, resp.Status)
	}
	fmt.Fprintln(e.stdout, "ok")
	return nil
}

// localHealthURL turns a listen address into the URL of /healthz on this
// machine: a wildcard host becomes the loopback address.
func localHealthURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("listen address %q: %w", listen, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}
