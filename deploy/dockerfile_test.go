package deploy

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDockerfile checks what `docker build` cannot be run to check here:
// the builder's Go is the one go.mod needs, the binary the runtime stage
// starts is the one the builder made, the command and health check exist,
// and the environment names real settings.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(gomod))
	from := regexp.MustCompile(`(?m)^FROM golang:(\d+\.\d+)\S* AS build$`).FindStringSubmatch(df)
	if goVersion == nil || from == nil || goVersion[1] != from[1] {
		t.Errorf("the build stage's Go (%v) must be go.mod's (%v)", from, goVersion)
	}
	for _, want := range []string{
		"CGO_ENABLED=0 go build",
		"-o /out/gatehouse ./cmd/gatehouse",
		"COPY --from=build /out/gatehouse /usr/local/bin/gatehouse",
		`ENTRYPOINT ["/usr/local/bin/gatehouse"]`,
		`CMD ["serve"]`,
		`CMD ["/usr/local/bin/gatehouse", "healthcheck"]`,
		"USER 65532:65532",
		"-X main.buildVersion=",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	version, err := os.ReadFile("../cmd/gatehouse/version.go")
	if err != nil || !strings.Contains(string(version), "var buildVersion =") {
		t.Error("-X main.buildVersion names no variable of cmd/gatehouse")
	}
	// ENV NAME=value pairs, possibly continued over lines.
	envBlock := regexp.MustCompile(`(?m)^ENV ((?:.*\\\n)*.*)$`).FindAllStringSubmatch(df, -1)
	env := map[string]string{}
	for _, m := range envBlock {
		for _, pair := range strings.Fields(strings.ReplaceAll(m[1], "\\\n", " ")) {
			k, v, ok := strings.Cut(pair, "=")
			if !ok {
				t.Fatalf("ENV %q is not NAME=value", pair)
			}
			env[k] = v
		}
	}
	if env["GATEHOUSE_DATABASE_URL"] != "sqlite:/data/gatehouse.db" || !regexp.MustCompile(`(?m)^VOLUME /data$`).MatchString(df) {
		t.Error("the image must keep its SQLite database on the /data volume")
	}
	checkEnv(t, "Dockerfile", env)
	ignore, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"*.key", "*.db", ".git"} {
		if !strings.Contains(string(ignore), want+"\n") {
			t.Errorf(".dockerignore must keep %s out of the build context", want)
		}
	}
}
