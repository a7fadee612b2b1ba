package deploy

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// manifests are the decoded objects of deploy/kubernetes.
type manifests struct {
	deployment *appsv1.Deployment
	service    *corev1.Service
	secret     *corev1.Secret
	job        *batchv1.Job
	pdb        *policyv1.PodDisruptionBudget
	netpol     *networkingv1.NetworkPolicy
}

// decodeManifest decodes one YAML document strictly into the k8s.io/api
// type its apiVersion and kind name: an unknown, misspelled or duplicated
// field is an error, as is a kind this package does not ship.
func decodeManifest(doc []byte) (any, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return nil, fmt.Errorf("read apiVersion and kind: %w", err)
	}
	var obj any
	switch tm.APIVersion + " " + tm.Kind {
	case "apps/v1 Deployment":
		obj = &appsv1.Deployment{}
	case "v1 Service":
		obj = &corev1.Service{}
	case "v1 Secret":
		obj = &corev1.Secret{}
	case "batch/v1 Job":
		obj = &batchv1.Job{}
	case "policy/v1 PodDisruptionBudget":
		obj = &policyv1.PodDisruptionBudget{}
	case "networking.k8s.io/v1 NetworkPolicy":
		obj = &networkingv1.NetworkPolicy{}
	default:
		return nil, fmt.Errorf("unexpected apiVersion %q kind %q", tm.APIVersion, tm.Kind)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return nil, fmt.Errorf("%s: %w", tm.Kind, err)
	}
	return obj, nil
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// loadManifests decodes every document of every file in dir.
func loadManifests(dir string) (manifests, error) {
	var m manifests
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return m, fmt.Errorf("no manifests in %s (%v)", dir, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return m, err
		}
		for _, doc := range docSeparator.Split(string(data), -1) {
			if len(bytes.TrimSpace([]byte(stripComments(doc)))) == 0 {
				continue
			}
			obj, err := decodeManifest([]byte(doc))
			if err != nil {
				return m, fmt.Errorf("%s: %w", filepath.Base(f), err)
			}
			if err := m.add(obj); err != nil {
				return m, fmt.Errorf("%s: %w", filepath.Base(f), err)
			}
		}
	}
	return m, nil
}

func stripComments(doc string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func (m *manifests) add(obj any) error {
	dup := func(present bool) error {
		if present {
			return fmt.Errorf("a second %T", obj)
		}
		return nil
	}
	var err error
	switch o := obj.(type) {
	case *appsv1.Deployment:
		err, m.deployment = dup(m.deployment != nil), o
	case *corev1.Service:
		err, m.service = dup(m.service != nil), o
	case *corev1.Secret:
		err, m.secret = dup(m.secret != nil), o
	case *batchv1.Job:
		err, m.job = dup(m.job != nil), o
	case *policyv1.PodDisruptionBudget:
		err, m.pdb = dup(m.pdb != nil), o
	case *networkingv1.NetworkPolicy:
		err, m.netpol = dup(m.netpol != nil), o
	}
	return err
}

func TestKubernetesManifestsDecodeStrictly(t *testing.T) {
	m, err := loadManifests("kubernetes")
	if err != nil {
		t.Fatal(err)
	}
	for name, present := range map[string]bool{
		"Deployment": m.deployment != nil, "Service": m.service != nil, "Secret": m.secret != nil,
		"Job": m.job != nil, "PodDisruptionBudget": m.pdb != nil, "NetworkPolicy": m.netpol != nil,
	} {
		if !present {
			t.Errorf("deploy/kubernetes has no %s", name)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	pod := m.deployment.Spec.Template
	podLabels := labels.Set(pod.Labels)
	sel, err := metav1.LabelSelectorAsSelector(m.deployment.Spec.Selector)
	if err != nil || !sel.Matches(podLabels) {
		t.Errorf("the Deployment's selector does not match its pods (%v)", err)
	}
	if !labels.SelectorFromSet(m.service.Spec.Selector).Matches(podLabels) {
		t.Error("the Service does not select the Deployment's pods")
	}
	if pdbSel, err := metav1.LabelSelectorAsSelector(m.pdb.Spec.Selector); err != nil || !pdbSel.Matches(podLabels) {
		t.Errorf("the PodDisruptionBudget does not cover the Deployment's pods (%v)", err)
	}
	if labels.SelectorFromSet(m.service.Spec.Selector).Matches(labels.Set(m.job.Spec.Template.Labels)) {
		t.Error("the Service would send traffic to the migration Job")
	}
	if m.pdb.Spec.MinAvailable == nil || m.pdb.Spec.MinAvailable.IntValue() >= int(*m.deployment.Spec.Replicas) {
		t.Error("the PodDisruptionBudget must allow a drain: minAvailable below the replica count")
	}
	npSel, err := metav1.LabelSelectorAsSelector(&m.netpol.Spec.PodSelector)
	if err != nil || !npSel.Matches(podLabels) || !npSel.Matches(labels.Set(m.job.Spec.Template.Labels)) {
		t.Errorf("the NetworkPolicy must cover the server pods and the migration Job (%v)", err)
	}

	c := onlyContainer(t, "Deployment", pod.Spec)
	probes := map[string]*corev1.Probe{"startup": c.StartupProbe, "liveness": c.LivenessProbe, "readiness": c.ReadinessProbe}
	for name, want := range map[string]string{"startup": "/healthz", "liveness": "/healthz", "readiness": "/readyz"} {
		p := probes[name]
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != want {
			t.Errorf("%s probe: want an HTTP GET of %s", name, want)
			continue
		}
		if p.HTTPGet.Port.String() != "http" || c.Ports[0].Name != "http" {
			t.Errorf("%s probe port %s is not the container's http port", name, p.HTTPGet.Port.String())
		}
	}
	if c.Ports[0].ContainerPort != 8080 {
		t.Errorf("container port %d, want 8080", c.Ports[0].ContainerPort)
	}
	if m.service.Spec.Ports[0].TargetPort.String() != "http" {
		t.Error("the Service must target the container's http port")
	}

	secretData := map[string]string{}
	for k, v := range m.secret.StringData {
		secretData[k] = v
	}
	if m.secret.StringData["secret-key"] == "" {
		t.Fatal("the Secret has no secret-key (the instance key)")
	}
	env := containerEnv(t, "Deployment", c, m.secret.Name, secretData)
	if env["GATEHOUSE_AUTO_MIGRATE"] != "false" {
		t.Error("replicas must leave migrations to the Job: GATEHOUSE_AUTO_MIGRATE=false")
	}
	// The placeholder instance key is refused, so nobody runs with it...
	if _, err := configFrom(env); err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Errorf("the Secret's placeholder instance key must be refused; err = %v", err)
	}
	// ... and with a real one the configuration is accepted.
	env["GATEHOUSE_SECRET_KEY"] = strings.Repeat("k", 64)
	cfg := checkEnv(t, "kubernetes/deployment.yaml", env)
	if cfg.DatabaseKind() != "postgres" || !cfg.IsHTTPS() {
		t.Errorf("the Deployment must run on Postgres with an https issuer (got %s, %s)", cfg.DatabaseKind(), cfg.Issuer)
	}
	grace := *pod.Spec.TerminationGracePeriodSeconds
	if float64(grace) <= cfg.ShutdownTimeout.Seconds()+preStopSeconds(c) {
		t.Errorf("terminationGracePeriodSeconds %d must exceed the shutdown timeout %s plus the preStop pause", grace, cfg.ShutdownTimeout)
	}

	jc := onlyContainer(t, "Job", m.job.Spec.Template.Spec)
	if !slices.Equal(jc.Args, []string{"migrate"}) || jc.Image != c.Image {
		t.Errorf("the migration Job must run `gatehouse migrate` with the server's image (args %v, image %s)", jc.Args, jc.Image)
	}
	jenv := containerEnv(t, "Job", jc, m.secret.Name, secretData)
	jenv["GATEHOUSE_SECRET_KEY"] = env["GATEHOUSE_SECRET_KEY"]
	jcfg := checkEnv(t, "kubernetes/migration-job.yaml", jenv)
	if jcfg.DatabaseURL != cfg.DatabaseURL {
		t.Error("the Job and the Deployment must use the same database")
	}
	if m.job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever && m.job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyOnFailure {
		t.Error("the Job's pods must not restart forever")
	}
}

func preStopSeconds(c corev1.Container) float64 {
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
		return float64(c.Lifecycle.PreStop.Sleep.Seconds)
	}
	return 0
}

func onlyContainer(t *testing.T, what string, spec corev1.PodSpec) corev1.Container {
	t.Helper()
	if len(spec.Containers) != 1 {
		t.Fatalf("%s: want one container, have %d", what, len(spec.Containers))
	}
	c := spec.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("%s: the container must run with a read-only root and no privilege escalation", what)
	}
	if spec.SecurityContext == nil || spec.SecurityContext.RunAsNonRoot == nil || !*spec.SecurityContext.RunAsNonRoot {
		t.Errorf("%s: pods must run as non-root", what)
	}
	return c
}

// containerEnv resolves the container's environment; values from the
// Secret must name keys the Secret has.
func containerEnv(t *testing.T, what string, c corev1.Container, secretName string, secret map[string]string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			v, ok := secret[ref.Key]
			if ref.Name != secretName || !ok {
				t.Errorf("%s: %s comes from secret %s key %s, which deploy/kubernetes/secret.yaml lacks", what, e.Name, ref.Name, ref.Key)
			}
			env[e.Name] = v
		default:
			t.Errorf("%s: %s has an unexpected source", what, e.Name)
		}
	}
	return env
}

// TestKubernetesMisspelledFieldFails proves the strict decoding: the same
// manifests with one field misspelled, or a field put one level too high,
// are refused.
func TestKubernetesMisspelledFieldFails(t *testing.T) {
	data, err := os.ReadFile("kubernetes/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeManifest(data); err != nil {
		t.Fatalf("the shipped Deployment does not decode: %v", err)
	}
	for name, edit := range map[string][2]string{
		"misspelled probe field": {"readinessProbe:", "readinesProbe:"},
		"misspelled nested":      {"periodSeconds: 5", "periodSecond: 5"},
		"wrong type":             {"replicas: 2", "replicas: two"},
	} {
		t.Run(name, func(t *testing.T) {
			bad := strings.Replace(string(data), edit[0], edit[1], 1)
			if bad == string(data) {
				t.Fatalf("%q is not in the manifest", edit[0])
			}
			_, err := decodeManifest([]byte(bad))
			if err == nil {
				t.Fatalf("a manifest with %q decoded without error", edit[1])
			}
			if field := strings.TrimSuffix(strings.Fields(edit[1])[0], ":"); edit[0] != "replicas: 2" && !strings.Contains(err.Error(), field) {
				t.Fatalf("the error does not name %q: %v", field, err)
			}
		})
	}
	dir := t.TempDir()
	for _, f := range []string{"service.yaml", "pdb.yaml"} {
		b, err := os.ReadFile(filepath.Join("kubernetes", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "pdb.yaml" {
			b = bytes.Replace(b, []byte("minAvailable:"), []byte("minAvailible:"), 1)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := loadManifests(dir); err == nil || !strings.Contains(err.Error(), "minAvailible") {
		t.Fatalf("loading a folder with a misspelled PodDisruptionBudget field: err = %v", err)
	}
}
