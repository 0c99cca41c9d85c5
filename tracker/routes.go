package tracker

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
)

// Handler returns every route of ASTRE, grouped by area.
func (s *Server) Handler() http.Handler {
	r := mux.NewRouter()
	r.NotFoundHandler = s.errorHandler(func(http.ResponseWriter, *http.Request) error { return ErrNotFound })
	r.MethodNotAllowedHandler = s.errorHandler(func(http.ResponseWriter, *http.Request) error { return errMethodNotAllowed })

	// Operations.
	r.Handle("/healthz", s.errorHandler(s.health)).Methods(http.MethodGet, http.MethodHead)
	r.PathPrefix("/static/").Handler(staticFiles())

	// LTI 1.3: keys, configuration for administrators, login and launch.
	// s.rateLimit guards the entry points a flood aims at (one bucket per
	// client address, shared by every route it wraps).
	r.Handle("/.well-known/jwks.json", s.errorHandler(s.jwks)).Methods(http.MethodGet)
	r.Handle("/lti/config", s.errorHandler(s.configPage)).Methods(http.MethodGet)
	r.Handle("/lti/config.json", s.errorHandler(s.configJSON)).Methods(http.MethodGet)
	r.Handle("/lti/login", s.rateLimit(s.errorHandler(s.login))).Methods(http.MethodGet, http.MethodPost)
	r.Handle("/lti/launch", s.rateLimit(s.errorHandler(s.launch))).Methods(http.MethodPost)
	r.Handle("/lti/launch/bind", s.errorHandler(s.bind)).Methods(http.MethodPost)
	r.Handle("/lti/register", s.rateLimit(s.errorHandler(s.register))).Methods(http.MethodGet)

	// Follow-up links from mails: no launch; the signed link is the key.
	r.Handle("/f/confirm/{token}", s.errorHandler(s.confirmPage)).Methods(http.MethodGet, http.MethodPost)
	r.Handle("/f/unsubscribe/{token}", s.errorHandler(s.unsubscribePage)).Methods(http.MethodGet, http.MethodPost)
	r.Handle("/f/{token}", s.errorHandler(s.openLink)).Methods(http.MethodGet)
	// The operator's mailbox, only when mails go to files.
	r.Handle("/outbox/mail/{key}", s.errorHandler(s.mailbox)).Methods(http.MethodGet)
	r.Handle("/outbox/mail/{key}/{name}", s.errorHandler(s.mailboxFile)).Methods(http.MethodGet)

	// The provider's administrators: sign-in, dashboard and its downloads.
	r.Handle("/admin/login", s.errorHandler(s.adminLoginForm)).Methods(http.MethodGet)
	r.Handle("/admin/login", s.errorHandler(s.adminLogin)).Methods(http.MethodPost)
	ad := r.PathPrefix("/admin").Subrouter()
	ad.Use(s.requireAdmin)
	ad.Handle("/", s.errorHandler(s.adminDashboard)).Methods(http.MethodGet)
	ad.Handle("/logout", s.errorHandler(s.adminLogout)).Methods(http.MethodPost)
	ad.Handle("/responses.csv", s.errorHandler(s.dashboardDataset("csv", false))).Methods(http.MethodGet)
	ad.Handle("/responses.json", s.errorHandler(s.dashboardDataset("json", false))).Methods(http.MethodGet)
	ad.Handle("/codebook.json", s.errorHandler(s.codebook)).Methods(http.MethodGet)

	// The read-only API for the provider's QA system.
	r.HandleFunc("/api/openapi.json", s.openAPIDocument).Methods(http.MethodGet)
	api := r.PathPrefix("/api/v1").Subrouter()
	api.Use(s.requireToken)
	api.Handle("/courses", s.apiHandler(s.apiCourses)).Methods(http.MethodGet)
	api.Handle("/indicators", s.apiHandler(s.apiIndicators)).Methods(http.MethodGet)
	api.Handle("/report", s.apiHandler(s.apiReport)).Methods(http.MethodGet)
	api.Handle("/responses", s.apiHandler(s.apiResponses)).Methods(http.MethodGet)

	// Pages inside a launch: the launch id in the path names the session.
	a := r.PathPrefix("/s/{launch}").Subrouter()
	a.Use(s.requireLaunch, s.requireCSRF)
	a.Handle("/", s.errorHandler(s.landing)).Methods(http.MethodGet)
	a.Handle("/language", s.errorHandler(s.setLanguage)).Methods(http.MethodPost)

	// The learner's consent, survey and own data.
	a.Handle("/consent", s.errorHandler(s.consentForm)).Methods(http.MethodGet)
	a.Handle("/consent", s.errorHandler(s.consentSubmit)).Methods(http.MethodPost)
	a.Handle("/survey", s.errorHandler(s.surveyForm)).Methods(http.MethodGet)
	a.Handle("/survey", s.errorHandler(s.surveySubmit)).Methods(http.MethodPost)
	a.Handle("/done", s.errorHandler(s.done)).Methods(http.MethodGet)
	a.Handle("/mydata", s.errorHandler(s.myData)).Methods(http.MethodGet)
	a.Handle("/mydata.json", s.errorHandler(s.myDataJSON)).Methods(http.MethodGet)
	a.Handle("/mydata.csv", s.errorHandler(s.myDataCSV)).Methods(http.MethodGet)
	a.Handle("/withdraw", s.errorHandler(s.withdraw)).Methods(http.MethodPost)
	a.Handle("/contact", s.errorHandler(s.contactForm)).Methods(http.MethodGet)
	a.Handle("/contact", s.errorHandler(s.contactSubmit)).Methods(http.MethodPost)
	a.Handle("/contact/resend", s.errorHandler(s.contactResend)).Methods(http.MethodPost)

	// The instructor's settings of the activity.
	a.Handle("/settings", s.requireTeaching(s.errorHandler(s.saveSettings))).Methods(http.MethodPost)
	a.Handle("/instruments", s.requireTeaching(s.errorHandler(s.uploadInstrument))).Methods(http.MethodPost)
	a.Handle("/followup", s.requireTeaching(s.errorHandler(s.followupForm))).Methods(http.MethodGet)
	a.Handle("/followup", s.requireTeaching(s.errorHandler(s.followupSave))).Methods(http.MethodPost)

	// LTI Advantage for teaching roles: grade delivery, the roster, and
	// the deep linking catalogue.
	a.Handle("/grades", s.requireTeaching(s.errorHandler(s.grades))).Methods(http.MethodGet)
	a.Handle("/grades/retry", s.requireTeaching(s.errorHandler(s.retryGrade))).Methods(http.MethodPost)
	a.Handle("/roster", s.requireTeaching(s.errorHandler(s.roster))).Methods(http.MethodGet)
	a.Handle("/roster/refresh", s.requireTeaching(s.errorHandler(s.refreshRoster))).Methods(http.MethodPost)
	a.Handle("/deeplink", s.requireTeaching(s.errorHandler(s.deepLinkSubmit))).Methods(http.MethodPost)

	// The course report and its exports, for teaching roles.
	a.Handle("/report", s.requireTeaching(s.errorHandler(s.courseReport))).Methods(http.MethodGet)
	a.Handle("/report/responses.csv", s.requireTeaching(s.errorHandler(s.courseDataset("csv")))).Methods(http.MethodGet)
	a.Handle("/report/responses.json", s.requireTeaching(s.errorHandler(s.courseDataset("json")))).Methods(http.MethodGet)
	a.Handle("/report/codebook.json", s.requireTeaching(s.errorHandler(s.codebook))).Methods(http.MethodGet)
	a.Handle("/dashboard", s.errorHandler(s.launchDashboard)).Methods(http.MethodGet)
	a.Handle("/dashboard/responses.csv", s.errorHandler(s.dashboardDataset("csv", true))).Methods(http.MethodGet)
	a.Handle("/dashboard/responses.json", s.errorHandler(s.dashboardDataset("json", true))).Methods(http.MethodGet)

	var h http.Handler = r
	h = limitBody(h)
	h = s.securityHeaders(h)
	h = s.recoverPanic(h)
	h = compress(h) // pages shrink about five times for phones on poor connections
	return s.requestLog(h)
}

// compress gzips responses of 1 KiB and more at the fastest level: on
// our pages it compresses nearly as well as the default level (5) for
// a fraction of the CPU time, which the load profile showed.
var compress = func() func(http.Handler) http.HandlerFunc {
	wrap, err := gzhttp.NewWrapper(gzhttp.CompressionLevel(gzip.BestSpeed))
	if err != nil {
		panic(err) // only for an invalid level, a programming error
	}
	return wrap
}()
