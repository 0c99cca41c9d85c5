package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// adminCommand manages the provider's administrator accounts: astre admin
// create|password --username NAME, the password from --password-file or
// ASTRE_ADMIN_PASSWORD (never a flag: flags show in process lists).
func adminCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "password") {
		return fmt.Errorf("admin: want create or password: %w", errUsage)
	}
	fs, s, err := newFlags("admin "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	username := fs.String("username", "", "the administrator's username")
	passwordFile := fs.String("password-file", "", "file whose first line is the password (else env ASTRE_ADMIN_PASSWORD)")
	if err := parseFlags(fs, s, args[1:]); err != nil {
		return err
	}
	if *username == "" {
		return fmt.Errorf("admin %s: --username is required: %w", args[0], errUsage)
	}
	password := getenv("ASTRE_ADMIN_PASSWORD")
	if *passwordFile != "" {
		b, err := os.ReadFile(*passwordFile)
		if err != nil {
			return fmt.Errorf("admin %s: %w", args[0], err)
		}
		password, _, _ = strings.Cut(string(b), "\n")
		password = strings.TrimRight(password, "\r")
	}
	if password == "" {
		return fmt.Errorf("admin %s: give the password with --password-file or ASTRE_ADMIN_PASSWORD: %w", args[0], errUsage)
	}
	e, err := openEnv(ctx, s, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.close()
	acc := &tracker.Accounts{Store: e.db, Now: time.Now}
	if args[0] == "password" {
		if err := acc.SetPassword(ctx, *username, password); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed\n", *username)
		return nil
	}
	if _, err := acc.CreateAdmin(ctx, *username, password); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "administrator %s created; sign in at %s/admin/login\n", *username, strings.TrimRight(s.BaseURL, "/"))
	return nil
}

// tokenCommand manages API tokens: astre token create --name NAME,
// astre token list, astre token revoke --id N.
func tokenCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list" && args[0] != "revoke") {
		return fmt.Errorf("token: want create, list or revoke: %w", errUsage)
	}
	fs, s, err := newFlags("token "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	name := fs.String("name", "", "create: what the token is for, e.g. the QA system's name")
	id := fs.Int64("id", 0, "revoke: the token's id, from astre token list")
	if err := parseFlags(fs, s, args[1:]); err != nil {
		return err
	}
	e, err := openEnv(ctx, s, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.close()
	acc := &tracker.Accounts{Store: e.db, Now: time.Now}
	switch args[0] {
	case "create":
		token, t, err := acc.CreateToken(ctx, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "token %d (%s), shown only now:\n%s\nsend it as: Authorization: Bearer <token>\n", t.ID, t.Name, token)
		return nil
	case "revoke":
		if *id <= 0 {
			return fmt.Errorf("token revoke: --id is required: %w", errUsage)
		}
		if err := e.db.RevokeToken(ctx, *id, time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "token %d revoked\n", *id)
		return nil
	}
	list, err := e.db.Tokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCREATED\tLAST USED\tSTATUS")
	for _, t := range list {
		used, status := "-", "active"
		if t.LastUsedAt != nil {
			used = t.LastUsedAt.Format(time.RFC3339)
		}
		if t.RevokedAt != nil {
			status = "revoked " + t.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", strconv.FormatInt(t.ID, 10), t.Name, t.CreatedAt.Format(time.RFC3339), used, status)
	}
	return tw.Flush()
}
