package lti_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
)

// BenchmarkValidate measures id_token validation with a warm JWKS cache:
// signature (RS256), registered claims and LTI claims.
func BenchmarkValidate(b *testing.B) {
	benchmarkValidate(b, ltitest.OpenEdX) // hour-long tokens outlive the benchmark
}

// BenchmarkValidateMoodle is the same with Moodle's larger token, whose
// 60 seconds are enough for a default -benchtime.
func BenchmarkValidateMoodle(b *testing.B) {
	benchmarkValidate(b, ltitest.Moodle)
}

func benchmarkValidate(b *testing.B, profile ltitest.Profile) {
	p := ltitest.NewPlatform(profile)
	defer p.Close()
	p.SetTool(ltitest.ToolConfig{LoginURL: "http://tool.invalid/lti/login", TargetLinkURI: "http://tool.invalid/lti/launch"})
	token, err := p.Sign(p.Claims(ltitest.LaunchOptions{}, "", "n-1"), ltitest.SignOptions{})
	if err != nil {
		b.Fatal(err)
	}
	reg := lti.Registration{Issuer: p.Issuer, ClientID: p.ClientID, JWKSURL: p.JWKSURL(), Deployments: []string{p.DeploymentID}}
	v := &lti.Validator{Keys: lti.NewKeySets(http.DefaultClient)}
	ctx := context.Background()
	if _, err := v.Validate(ctx, token, reg, "n-1"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := v.Validate(ctx, token, reg, "n-1"); err != nil {
			b.Fatal(err)
		}
	}
}
