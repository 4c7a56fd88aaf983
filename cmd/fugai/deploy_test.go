package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/fugai/fugai/internal/config"
)

// manifests reads the Kubernetes documents of a file by kind.
func manifests(t *testing.T, name string) map[string]map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "deployments", "kubernetes", name))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, doc)
		}
		if m == nil {
			continue
		}
		kind, _ := m["kind"].(string)
		out[kind] = m
	}
	return out
}

// at walks a decoded document: keys for maps, indexes for lists.
func at(v any, path ...string) any {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// The Kubernetes manifests hold together without a cluster: the program
// accepts the ConfigMap's and Secret's configuration; the Deployment's
// ports, grace period and /tmp fit it; replicas spread over nodes; the
// PodDisruptionBudget selects the Deployment's pods and leaves one; the
// migration Job runs the same image with `migrate`.
func TestKubernetesManifests(t *testing.T) {
	m := manifests(t, "fugai.yaml")
	for _, k := range []string{"Secret", "ConfigMap", "Deployment", "Service", "PodDisruptionBudget"} {
		if m[k] == nil {
			t.Fatalf("fugai.yaml has no %s", k)
		}
	}
	env := map[string]string{}
	for k, v := range at(m["ConfigMap"], "data").(map[string]any) {
		env[k] = v.(string)
	}
	for k, v := range at(m["Secret"], "stringData").(map[string]any) {
		env[k] = v.(string)
	}
	cfg, err := config.Parse(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the manifests' configuration: %v", err)
	}
	pod := at(m["Deployment"], "spec", "template")
	c := at(pod, "spec", "containers", "0")
	ports := map[string]string{}
	for _, p := range at(c, "ports").([]any) {
		ports[at(p, "name").(string)] = strconv.Itoa(int(at(p, "containerPort").(float64)))
	}
	if !strings.HasSuffix(cfg.Addr, ":"+ports["http"]) || !strings.HasSuffix(cfg.MetricsAddr, ":"+ports["metrics"]) {
		t.Errorf("ports %v do not match FUGAI_ADDR %s and FUGAI_METRICS_ADDR %s", ports, cfg.Addr, cfg.MetricsAddr)
	}
	if grace := at(pod, "spec", "terminationGracePeriodSeconds").(float64); time.Duration(grace)*time.Second <= cfg.ShutdownTimeout {
		t.Errorf("terminationGracePeriodSeconds %v is not longer than FUGAI_SHUTDOWN_TIMEOUT %v", grace, cfg.ShutdownTimeout)
	}
	if at(c, "envFrom", "0", "configMapRef", "name") != "fugai" {
		t.Errorf("the container does not read the ConfigMap")
	}
	if at(pod, "spec", "affinity", "podAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution", "0", "podAffinityTerm", "topologyKey") != "kubernetes.io/hostname" {
		t.Errorf("replicas are not spread over nodes")
	}
	if size, _ := at(pod, "spec", "volumes", "0", "emptyDir", "sizeLimit").(string); size != "2Gi" {
		t.Errorf("/tmp holds %q; a 1,000,000-row xlsx import needs about 0.5 GB per job, two jobs at once", size)
	}
	labels, _ := json.Marshal(at(pod, "metadata", "labels"))
	selector, _ := json.Marshal(at(m["PodDisruptionBudget"], "spec", "selector", "matchLabels"))
	if string(labels) != string(selector) {
		t.Errorf("the PodDisruptionBudget selects %s, the pods are %s", selector, labels)
	}
	if minAvail, replicas := at(m["PodDisruptionBudget"], "spec", "minAvailable").(float64), at(m["Deployment"], "spec", "replicas").(float64); minAvail < 1 || minAvail >= replicas {
		t.Errorf("minAvailable %v with %v replicas", minAvail, replicas)
	}
	job := manifests(t, "migrate-job.yaml")["Job"]
	jc := at(job, "spec", "template", "spec", "containers", "0")
	if at(jc, "image") != at(c, "image") || at(jc, "args", "0") != "migrate" {
		t.Errorf("the migration Job runs %v %v, the Deployment %v", at(jc, "image"), at(jc, "args"), at(c, "image"))
	}
}
