package een

import (
	"context"
	"testing"
	"time"
)

// DialForTest opens the feed's socket with token and returns the error.
func DialForTest(t *testing.T, endpoint, token string, f Feed) error {
	t.Helper()
	c, err := New(Config{Endpoint: endpoint, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	call, err := c.dial(ctx, f)
	if err == nil {
		_ = call.Close()
	}
	return err
}
