// Package deploy holds no code: it is the directory of what an operator runs —
// the gateway's configs (harbor.example.yaml, fleet.yaml), the load balancer's
// (haproxy.cfg), Prometheus' scrape config and alert rules (prometheus.yml,
// alerts.yml with their unit tests in alerts_test.yml), a Grafana dashboard
// (grafana-dashboard.json), a systemd unit (harbor@.service), a compose file
// and a Dockerfile, and the runbook (RUNBOOK.md).
//
// Its tests keep those files true: deploy_test.go checks each with its own
// tool (promtool, haproxy -c, systemd-analyze) and against the metrics the
// gateway really serves; fleet_test.go runs the whole fleet from them — a real
// redis-server, three `harbor serve` processes, HAProxy and Prometheus.
package deploy
