// Command fugai is the Fugai (覆盖) service: the ledger of non-public
// enterprises and their party-organisation coverage for one district.
//
//	fugai serve                 start the HTTP server (migrates first)
//	fugai migrate [up|status]   apply or list database migrations
//	fugai import ...            import a spreadsheet
//	fugai user create ...       create a user
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fugai:", err)
		stop()
		os.Exit(1)
	}
}
