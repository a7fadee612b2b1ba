package account

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

// TestMain stops the throwaway PostgreSQL cluster the harness may start.
func TestMain(m *testing.M) { testharness.Main(m) }
