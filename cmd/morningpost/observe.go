package main

import (
	"flag"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/morningpost/morningpost/handlers"
)

// observeFlags adds the flags of abuse control and request logging to
// the serve command, with their defaults from the environment.
func observeFlags(fs *flag.FlagSet, cfg *serveConfig, getenv func(string) string) error {
	cfg.rateLimit = handlers.DefaultRateLimit
	if v := getenv("MORNINGPOST_RATE_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("MORNINGPOST_RATE_LIMIT=%q: want a whole number of full feed downloads per client and feed per hour, 0 for no limit", v)
		}
		cfg.rateLimit = n
	}
	cfg.accessLog = true
	if v := getenv("MORNINGPOST_ACCESS_LOG"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("MORNINGPOST_ACCESS_LOG=%q: want true or false", v)
		}
		cfg.accessLog = b
	}
	if v := getenv("MORNINGPOST_TRUSTED_PROXIES"); v != "" {
		ps, err := parsePrefixes(v)
		if err != nil {
			return fmt.Errorf("MORNINGPOST_TRUSTED_PROXIES: %w", err)
		}
		cfg.trustedProxies = ps
	}

	fs.Func("rate-limit", "full `downloads` of one feed a client may make per hour; conditional requests answered 304 never count; 0 switches abuse control off (default "+strconv.Itoa(handlers.DefaultRateLimit)+"; env MORNINGPOST_RATE_LIMIT)", func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("want a whole number, 0 for no limit")
		}
		cfg.rateLimit = n
		return nil
	})
	fs.Func("trusted-proxies", "comma-separated `CIDRs` of reverse proxies whose X-Forwarded-For names the client; without, the client is the connection's address (env MORNINGPOST_TRUSTED_PROXIES)", func(v string) error {
		ps, err := parsePrefixes(v)
		cfg.trustedProxies = ps
		return err
	})
	fs.StringVar(&cfg.metricsAddr, "metrics-addr", getenv("MORNINGPOST_METRICS_ADDR"), "`address` to serve /metrics on instead of the public address, e.g. 127.0.0.1:9090; the public /metrics then answers 404 (env MORNINGPOST_METRICS_ADDR)")
	fs.BoolVar(&cfg.accessLog, "access-log", cfg.accessLog, "log one line per request: method, path without query, route, status, bytes, duration (env MORNINGPOST_ACCESS_LOG)")
	return nil
}

// parsePrefixes parses "10.0.0.0/8, 2001:db8::/32, 192.0.2.7": CIDRs,
// or single addresses.
func parsePrefixes(list string) ([]netip.Prefix, error) {
	var ps []netip.Prefix
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			a, err := netip.ParseAddr(item)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR", item)
			}
			ps = append(ps, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR", item)
		}
		ps = append(ps, p.Masked())
	}
	return ps, nil
}
