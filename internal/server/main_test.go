package server_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

func TestMain(m *testing.M) { testharness.Main(m) }
