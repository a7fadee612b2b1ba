package server

import (
	"log/slog"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/config"
)

// AccountOptions turns the configuration into the account rules' options.
func AccountOptions(cfg config.Config, logger *slog.Logger) account.Options {
	hash := account.DefaultHashParams()
	hash.Memory = uint32(cfg.PasswordHashMemory)
	hash.Time = uint32(cfg.PasswordHashTime)
	hash.Threads = uint8(cfg.PasswordHashThreads)
	return account.Options{
		Hash: hash,
		Throttle: account.ThrottleOptions{
			Window:     cfg.SignInWindow,
			PerAccount: cfg.SignInMaxPerAccount,
			PerIP:      cfg.SignInMaxPerIP,
		},
		Sessions: account.SessionLifetimes{
			Persistent: cfg.SessionLifetime,
			Browser:    cfg.SessionMaxLifetime,
			Idle:       cfg.SessionIdleTimeout,
		},
		Logger:         logger,
		PasswordPolicy: PasswordPolicy(cfg),
		InstanceName:   cfg.InstanceName,
	}
}

// PasswordPolicy is the first value of the password policy settings that
// cfg gives.
func PasswordPolicy(cfg config.Config) account.PasswordPolicy {
	p := account.DefaultPasswordPolicy()
	if cfg.PasswordMinLength != 0 {
		p.MinLength = cfg.PasswordMinLength
	}
	p.Require = append([]string(nil), cfg.PasswordRequire...)
	return p.Normalized()
}
