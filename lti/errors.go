package lti

import (
	"errors"
	"fmt"
)

// Reason is a stable, loggable code for why a login, a launch or a
// dynamic registration was refused. It never contains token content.
type Reason string

// Reasons for refusing a login or a launch.
const (
	ReasonMissingParam      Reason = "missing_param"
	ReasonBadParam          Reason = "bad_param"
	ReasonUnknownPlatform   Reason = "unknown_platform"
	ReasonAmbiguousClient   Reason = "ambiguous_client"
	ReasonForeignTarget     Reason = "foreign_target"
	ReasonTokenTooLarge     Reason = "token_too_large"
	ReasonMalformed         Reason = "malformed_token"
	ReasonAlgNotAllowed     Reason = "alg_not_allowed"
	ReasonUnknownKID        Reason = "unknown_kid"
	ReasonKeyMismatch       Reason = "key_mismatch"
	ReasonJWKSUnavailable   Reason = "jwks_unavailable"
	ReasonBadSignature      Reason = "bad_signature"
	ReasonExpired           Reason = "expired"
	ReasonIssuedInFuture    Reason = "issued_in_future"
	ReasonNotYetValid       Reason = "not_yet_valid"
	ReasonWrongIssuer       Reason = "wrong_issuer"
	ReasonWrongAudience     Reason = "wrong_audience"
	ReasonWrongAZP          Reason = "wrong_azp"
	ReasonMissingDeployment Reason = "missing_deployment"
	ReasonUnknownDeployment Reason = "unknown_deployment"
	ReasonWrongMessageType  Reason = "wrong_message_type"
	ReasonWrongVersion      Reason = "wrong_version"
	ReasonMissingNonce      Reason = "missing_nonce"
	ReasonNonceMismatch     Reason = "nonce_mismatch"
	ReasonNonceReplayed     Reason = "nonce_replayed"
	ReasonBadClaim          Reason = "bad_claim"
	ReasonStateUnknown      Reason = "state_unknown"
	ReasonStateExpired      Reason = "state_expired"
	ReasonStateReplayed     Reason = "state_replayed"
	ReasonStateUnbound      Reason = "state_unbound"
	ReasonPlatformError     Reason = "platform_error"
)

// Reasons for a dynamic registration that could not be completed.
const (
	ReasonConfigUnavailable   Reason = "config_unavailable"   // the OpenID configuration could not be fetched or read
	ReasonBadConfig           Reason = "bad_config"           // a required field is missing or wrong
	ReasonIssuerMismatch      Reason = "issuer_mismatch"      // the issuer's host is not the configuration URL's
	ReasonRegistrationRefused Reason = "registration_refused" // the platform refused the registration or answered unusably
)

// Error is a refused login or launch: a reason code for logs and branching,
// and a detail for operators (never token content).
type Error struct {
	Reason Reason
	Detail string
	Err    error
}

func (e *Error) Error() string {
	msg := string(e.Reason)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted detail.
func Errorf(reason Reason, format string, args ...any) *Error {
	return &Error{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// ReasonOf returns the reason of the first *Error in err's chain, or "" if none.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}
