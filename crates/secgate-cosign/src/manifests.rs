//! Image references in deployment files: Kubernetes YAML (multi-document,
//! rendered Helm output; Pods, Deployments, StatefulSets, DaemonSets,
//! ReplicaSets, ReplicationControllers, Jobs, CronJobs, `List`s; containers,
//! init and ephemeral containers) and `.gitlab-ci.yml` (`image:` and
//! `services:` at the top level, under `default:` and in every job).

use serde_json::Value;

/// One image found in a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FoundImage {
    /// The image reference as written.
    pub image: String,
    /// 1-based line of its first occurrence in the file (0 if not found).
    pub line: usize,
    /// Where in the document (`Deployment/web: containers[0]`, `job build: services[1]`).
    pub context: String,
}

/// A file that cannot be read as YAML.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ManifestError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

const GITLAB_NON_JOBS: [&str; 10] = [
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
];

/// Extracts every image from a YAML text (Kubernetes or `.gitlab-ci.yml`).
pub fn extract(file: &str, text: &str) -> Result<Vec<FoundImage>, ManifestError> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(text).map_err(|e| ManifestError {
        file: file.to_string(),
        message: format!("not valid YAML: {e}"),
    })?;
    let mut out = Vec::new();
    for doc in &docs {
        if doc.get("kind").is_some() || doc.get("apiVersion").is_some() {
            kube(doc, &mut out);
        } else if let Some(map) = doc.as_object() {
            gitlab_image(doc.get("image"), "image", &mut out);
            gitlab_services(doc.get("services"), "services", &mut out);
            if let Some(d) = doc.get("default") {
                gitlab_image(d.get("image"), "default: image", &mut out);
                gitlab_services(d.get("services"), "default: services", &mut out);
            }
            for (k, v) in map {
                if GITLAB_NON_JOBS.contains(&k.as_str()) || !v.is_object() {
                    continue;
                }
                gitlab_image(v.get("image"), &format!("job {k}: image"), &mut out);
                gitlab_services(v.get("services"), &format!("job {k}: services"), &mut out);
            }
        }
    }
    for f in &mut out {
        f.line = text
            .lines()
            .position(|l| l.contains(f.image.as_str()))
            .map(|i| i + 1)
            .unwrap_or(0);
    }
    Ok(out)
}

fn gitlab_image(v: Option<&Value>, ctx: &str, out: &mut Vec<FoundImage>) {
    let name = match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => o.get("name").and_then(|n| n.as_str()).map(str::to_string),
        _ => None,
    };
    if let Some(n) = name {
        out.push(FoundImage {
            image: n,
            line: 0,
            context: ctx.to_string(),
        });
    }
}

fn gitlab_services(v: Option<&Value>, ctx: &str, out: &mut Vec<FoundImage>) {
    if let Some(list) = v.and_then(|v| v.as_array()) {
        for (i, s) in list.iter().enumerate() {
            gitlab_image(Some(s), &format!("{ctx}[{i}]"), out);
        }
    }
}

fn kube(doc: &Value, out: &mut Vec<FoundImage>) {
    let kind = doc.get("kind").and_then(|k| k.as_str()).unwrap_or("");
    if kind == "List" || kind.ends_with("List") {
        for item in doc
            .get("items")
            .and_then(|i| i.as_array())
            .into_iter()
            .flatten()
        {
            kube(item, out);
        }
        return;
    }
    let name = doc
        .pointer("/metadata/name")
        .and_then(|n| n.as_str())
        .unwrap_or("?");
    let spec = match kind {
        "Pod" => doc.get("spec"),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => doc.pointer("/spec/template/spec"),
        "CronJob" => doc.pointer("/spec/jobTemplate/spec/template/spec"),
        "PodTemplate" => doc.pointer("/template/spec"),
        _ => None,
    };
    let Some(spec) = spec else { return };
    for field in ["initContainers", "containers", "ephemeralContainers"] {
        for (i, c) in spec
            .get(field)
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(img) = c.get("image").and_then(|i| i.as_str()) {
                out.push(FoundImage {
                    image: img.to_string(),
                    line: 0,
                    context: format!("{kind}/{name}: {field}[{i}]"),
                });
            }
        }
    }
}

/// Parses one YAML document into a JSON value (for small config files).
pub fn yaml_value(text: &str) -> Result<Value, String> {
    serde_saphyr::from_str(text).map_err(|e| format!("not valid YAML: {e}"))
}

/// Rewrites every occurrence of `image` written as a YAML scalar (bare or
/// quoted) to `pinned`. Returns the new text and how many were replaced.
pub fn pin(text: &str, image: &str, pinned: &str) -> (String, usize) {
    let re = regex::Regex::new(&format!(
        r#"(?m)(^|[\s"':\-])({})(["'\s,\]}}]|$)"#,
        regex::escape(image)
    ))
    .expect("escaped");
    let mut n = 0;
    let out = re.replace_all(text, |c: &regex::Captures<'_>| {
        n += 1;
        format!("{}{}{}", &c[1], pinned, &c[3])
    });
    (out.into_owned(), n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_multi_document() {
        let y = "# Source: chart/templates/deploy.yaml\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      initContainers:\n      - name: init\n        image: reg.example/init:1\n      containers:\n      - name: app\n        image: \"reg.example/app:2\"\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - image: reg.example/job@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {image: not-an-image}\n";
        let f = extract("k.yaml", y).unwrap();
        let imgs: Vec<&str> = f.iter().map(|x| x.image.as_str()).collect();
        assert_eq!(imgs.len(), 3, "{imgs:?}");
        assert_eq!(f[0].context, "Deployment/web: initContainers[0]");
        assert_eq!(f[0].line, 11);
        assert_eq!(f[1].image, "reg.example/app:2");
    }

    #[test]
    fn every_workload_kind_and_container_list() {
        let pod_like = |kind: &str| {
            format!("---\napiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: w}}\nspec:\n  template:\n    spec:\n      containers:\n      - image: reg.example/{kind}:1\n")
        };
        let mut y = String::from("apiVersion: v1\nkind: Pod\nmetadata: {name: debug}\nspec:\n  containers:\n  - image: reg.example/pod:1\n  ephemeralContainers:\n  - name: dbg\n    image: reg.example/debugger:1\n");
        for kind in ["StatefulSet", "DaemonSet", "ReplicaSet", "Job"] {
            y.push_str(&pod_like(kind));
        }
        y.push_str("---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: in-list}\n  spec:\n    containers:\n    - image: reg.example/listed:1\n");
        let f = extract("all.yaml", &y).unwrap();
        let got: Vec<(&str, &str)> = f
            .iter()
            .map(|x| (x.image.as_str(), x.context.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("reg.example/pod:1", "Pod/debug: containers[0]"),
                (
                    "reg.example/debugger:1",
                    "Pod/debug: ephemeralContainers[0]"
                ),
                ("reg.example/StatefulSet:1", "StatefulSet/w: containers[0]"),
                ("reg.example/DaemonSet:1", "DaemonSet/w: containers[0]"),
                ("reg.example/ReplicaSet:1", "ReplicaSet/w: containers[0]"),
                ("reg.example/Job:1", "Job/w: containers[0]"),
                ("reg.example/listed:1", "Pod/in-list: containers[0]"),
            ]
        );
    }

    #[test]
    fn gitlab_ci() {
        let y = "image: reg.example/base:1\nservices:\n  - postgres:16\n  - name: redis:7\n    alias: cache\nstages: [test]\ntest:\n  image:\n    name: reg.example/test:3\n    entrypoint: ['']\n  services: [reg.example/svc:1]\n  script: [true]\n";
        let f = extract(".gitlab-ci.yml", y).unwrap();
        let imgs: Vec<&str> = f.iter().map(|x| x.image.as_str()).collect();
        assert_eq!(
            imgs,
            [
                "reg.example/base:1",
                "postgres:16",
                "redis:7",
                "reg.example/test:3",
                "reg.example/svc:1"
            ]
        );
    }

    #[test]
    fn pinning_rewrites_only_that_image() {
        let t = "image: reg/app:1\nother: reg/app:10\n- \"reg/app:1\"\n";
        let (o, n) = pin(t, "reg/app:1", "reg/app:1@sha256:ab");
        assert_eq!(n, 2);
        assert_eq!(
            o,
            "image: reg/app:1@sha256:ab\nother: reg/app:10\n- \"reg/app:1@sha256:ab\"\n"
        );
        assert!(extract("bad", "a: [").is_err());
    }
}
