// Command gatehouse is the Gatehouse identity provider: one binary that
// serves the OpenID Provider, the hosted pages and the management API, and
// carries the operator's commands.
//
//	gatehouse [serve]            run the server (applies pending migrations first)
//	gatehouse migrate [status]   apply migrations, or list them
//	gatehouse healthcheck        exit 0 when the local server answers /healthz
//	gatehouse version            print the version
//
// Every command takes --config FILE and reads GATEHOUSE_* environment
// variables; every command has --help. Exit codes: 0 success, 1 failure,
// 2 bad usage or configuration.
package main
