package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/astre-lti/astre/tracker"
)

func keysCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "rotate") {
		return fmt.Errorf("keys: want list or rotate: %w", errUsage)
	}
	fs, s, err := newFlags("keys "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	if err := parseFlags(fs, s, args[1:]); err != nil {
		return err
	}
	e, err := openEnv(ctx, s, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.close()
	keys := tracker.NewKeyring(e.options(s))
	if err := keys.Ensure(ctx); err != nil {
		return err
	}
	if args[0] == "rotate" {
		k, err := keys.Rotate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new key %s is published now and signs from %s\n", k.KID, k.SignFrom.Format(time.RFC3339))
	}
	list, err := keys.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tCREATED\tSIGNS FROM\tRETIRES\tSTATUS")
	for _, k := range list {
		retire := "-"
		if k.RetireAt != nil {
			retire = k.RetireAt.Format(time.RFC3339)
		}
		status := "published"
		switch {
		case k.Signing:
			status = "signing"
		case !k.Published:
			status = "retired"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.KID, k.CreatedAt.Format(time.RFC3339), k.SignFrom.Format(time.RFC3339), retire, status)
	}
	return tw.Flush()
}
