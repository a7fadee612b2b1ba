// Package config owns Gatehouse's configuration: one typed Config loaded from
// defaults, then an optional YAML file, then GATEHOUSE_* environment
// variables, and checked by Validate.
//
// Every scalar setting has an environment name (GATEHOUSE_LISTEN) and a YAML
// name, the environment name without the prefix in lower case (listen).
// Errors name the key and say what is wrong, so the command line can print
// one line and exit with code 2.
package config
