package main

import (
	"context"

	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// listFlag collects a repeatable flag such as --deployment-id.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func platformCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("platform: want add, list, remove or register-link: %w", errUsage)
	}
	fs, s, err := newFlags("platform "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	var p tracker.Platform
	var deployments listFlag
	var ttl time.Duration
	switch args[0] {
	case "add":
		fs.StringVar(&p.Issuer, "issuer", "", "platform issuer (iss), e.g. the Moodle wwwroot")
		fs.StringVar(&p.ClientID, "client-id", "", "client id the platform gave the tool")
		fs.StringVar(&p.AuthURL, "auth-url", "", "platform OIDC authentication URL")
		fs.StringVar(&p.TokenURL, "token-url", "", "platform OAuth2 token URL")
		fs.StringVar(&p.JWKSURL, "jwks-url", "", "platform public keyset URL")
		fs.Var(&deployments, "deployment-id", "deployment id (repeatable)")
	case "remove":
		fs.StringVar(&p.Issuer, "issuer", "", "platform issuer")
		fs.StringVar(&p.ClientID, "client-id", "", "client id")
	case "register-link":
		fs.DurationVar(&ttl, "ttl", 24*time.Hour, "how long the one-time Dynamic Registration link stays valid")
	case "list":
	default:
		return fmt.Errorf("platform %q: want add, list, remove or register-link: %w", args[0], errUsage)
	}
	if err := parseFlags(fs, s, args[1:]); err != nil {
		return err
	}
	e, err := openEnv(ctx, s, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.close()

	switch args[0] {
	case "add":
		p.Deployments = deployments
		if err := p.Validate(); err != nil {
			return err
		}
		if err := e.db.AddPlatform(ctx, &p); err != nil {
			return fmt.Errorf("add platform: %w", err)
		}
		fmt.Fprintf(stdout, "registered %s client %s with deployments [%s]\n", p.Issuer, p.ClientID, strings.Join(p.Deployments, ", "))
	case "remove":
		if err := e.db.RemovePlatform(ctx, p.Issuer, p.ClientID); err != nil {
			return fmt.Errorf("remove platform: %w", err)
		}
		fmt.Fprintf(stdout, "removed %s client %s\n", p.Issuer, p.ClientID)
	case "register-link":
		link, expires, err := tracker.NewRegistrar(e.options(s)).NewLink(ctx, ttl)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n\nPaste this URL into Moodle (Manage tools → Tool URL → Add LTI Advantage). It works once, until %s.\n",
			link, expires.Format(time.RFC3339))
	case "list":
		ps, err := e.db.Platforms(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ISSUER\tCLIENT ID\tDEPLOYMENTS\tAUTH URL\tTOKEN URL\tJWKS URL")
		for _, p := range ps {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Issuer, p.ClientID, strings.Join(p.Deployments, ","), p.AuthURL, p.TokenURL, p.JWKSURL)
		}
		return tw.Flush()
	}
	return nil
}

func deploymentCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "remove") {
		return fmt.Errorf("deployment: want add or remove: %w", errUsage)
	}
	fs, s, err := newFlags("deployment "+args[0], getenv, stderr)
	if err != nil {
		return err
	}
	var issuer, clientID, deployment string
	fs.StringVar(&issuer, "issuer", "", "platform issuer")
	fs.StringVar(&clientID, "client-id", "", "client id")
	fs.StringVar(&deployment, "deployment-id", "", "deployment id")
	if err := parseFlags(fs, s, args[1:]); err != nil {
		return err
	}
	if issuer == "" || clientID == "" || deployment == "" {
		return fmt.Errorf("--issuer, --client-id and --deployment-id are required: %w", errUsage)
	}
	e, err := openEnv(ctx, s, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.close()
	if args[0] == "add" {
		err = e.db.AddDeployment(ctx, issuer, clientID, deployment)
	} else {
		err = e.db.RemoveDeployment(ctx, issuer, clientID, deployment)
	}
	if err != nil {
		return fmt.Errorf("deployment %s: %w", args[0], err)
	}
	done := map[string]string{"add": "added", "remove": "removed"}[args[0]]
	fmt.Fprintf(stdout, "deployment %s %s for %s client %s\n", deployment, done, issuer, clientID)
	return nil
}
