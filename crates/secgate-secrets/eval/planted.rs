//! The planted-secret evaluation: a synthetic monorepo with ~300 format-valid
//! fake credentials of 50+ families, in code of several languages, configs,
//! `.env` files, notebooks, key files, Kubernetes Secrets (base64 `data:`),
//! docker `config.json` auths and connection strings, plus ~320 hard negatives
//! (lock-file and go.sum hashes, UUIDs, git SHAs, SRI digests, base64 images,
//! minified code, documented examples, placeholders, `${VAR}` and environment
//! lookups, public keys and certificates, Stripe publishable keys, tokens with
//! a wrong checksum).
//!
//! Values are generated from templates (see `secgate_secrets::rules::sample`)
//! with a fixed seed: reproducible, and nothing in the repository looks like a
//! live credential.

#![allow(dead_code)]

use secgate_secrets::rules::sample::{base64, expand_with, Rng};

/// One planted secret: the family, the file and the 1-based line where it must be reported.
#[derive(Debug, Clone)]
pub struct Planted {
    /// Family (credential type).
    pub family: &'static str,
    /// Relative path.
    pub path: String,
    /// 1-based line.
    pub line: u32,
}

/// The generated tree.
#[derive(Debug, Default)]
pub struct Corpus {
    /// (relative path, content).
    pub files: Vec<(String, String)>,
    /// The secrets planted.
    pub planted: Vec<Planted>,
    /// How many hard negatives were written.
    pub negatives: usize,
}

/// A family: name, variable name, value template.
const FAMILIES: &[(&str, &str, &str)] = &[
    ("github-pat", "GITHUB_TOKEN", "{gh:ghp_}"),
    ("github-oauth", "GH_OAUTH_TOKEN", "{gh:gho_}"),
    ("github-app", "GH_APP_TOKEN", "{gh:ghs_}"),
    (
        "github-fine-grained",
        "GH_PAT",
        "github_pat_{an:22}_{an:59}",
    ),
    ("gitlab-pat", "GITLAB_TOKEN", "glpat-{url:20}"),
    ("gitlab-runner", "RUNNER_TOKEN", "glrt-{url:20}"),
    ("gitlab-deploy", "DEPLOY_TOKEN", "gldt-{url:20}"),
    ("aws-access-key-id", "AWS_ACCESS_KEY_ID", "AKIA{b32:16}"),
    ("aws-secret-key", "AWS_SECRET_ACCESS_KEY", "{b64:40}"),
    ("gcp-api-key", "GOOGLE_API_KEY", "AIza{url:35}"),
    (
        "azure-client-secret",
        "AZURE_CLIENT_SECRET",
        "{an:3}8Q~{an:31}",
    ),
    ("slack-bot", "SLACK_BOT_TOKEN", "xoxb-{d:12}-{d:13}-{an:24}"),
    (
        "slack-webhook",
        "SLACK_WEBHOOK_URL",
        "https://hooks.slack.com/services/T{up:10}/B{up:10}/{an:24}",
    ),
    (
        "discord-webhook",
        "DISCORD_WEBHOOK",
        "https://discord.com/api/webhooks/{d:18}/{url:68}",
    ),
    (
        "teams-webhook",
        "TEAMS_WEBHOOK",
        "https://acme.webhook.office.com/webhookb2/{uuid}@{uuid}/IncomingWebhook/{hex:32}/{uuid}",
    ),
    ("stripe-secret", "STRIPE_SECRET_KEY", "sk_live_{an:24}"),
    ("square", "SQUARE_TOKEN", "sq0atp-{url:22}"),
    (
        "braintree",
        "BRAINTREE_TOKEN",
        "access_token$production${lo:16}${hex:32}",
    ),
    ("sendgrid", "SENDGRID_API_KEY", "SG.{url:22}.{url:43}"),
    ("mailgun", "MAILGUN_API_KEY", "key-{hex:32}"),
    ("twilio", "TWILIO_API_KEY", "SK{hex:32}"),
    ("shopify", "SHOPIFY_TOKEN", "shpat_{hex:32}"),
    (
        "openai",
        "OPENAI_API_KEY",
        "sk-proj-{url:58}T3BlbkFJ{url:58}",
    ),
    ("anthropic", "ANTHROPIC_API_KEY", "sk-ant-api03-{url:93}AA"),
    ("huggingface", "HF_TOKEN", "hf_{al:34}"),
    ("npm", "NPM_TOKEN", "{gh:npm_}"),
    ("pypi", "PYPI_TOKEN", "pypi-AgEIcHlwaS5vcmc{url:120}"),
    ("crates-io", "CARGO_REGISTRY_TOKEN", "cio{an:32}"),
    ("nuget", "NUGET_API_KEY", "oy2{lo:43}"),
    ("docker-hub", "DOCKERHUB_TOKEN", "dckr_pat_{url:27}"),
    ("jwt", "SESSION_JWT", "{jwt}"),
    ("databricks", "DATABRICKS_TOKEN", "dapi{hex:32}"),
    ("digitalocean", "DIGITALOCEAN_TOKEN", "dop_v1_{hex:64}"),
    ("vault", "VAULT_TOKEN", "hvs.{url:95}"),
    ("datadog", "DD_API_KEY", "{hex:32}"),
    ("newrelic", "NEW_RELIC_API_KEY", "NRAK-{up:27}"),
    ("linear", "LINEAR_API_KEY", "lin_api_{an:40}"),
    ("doppler", "DOPPLER_TOKEN", "dp.st.{an:43}"),
    ("sentry", "SENTRY_AUTH_TOKEN", "sntryu_{hex:64}"),
    ("grafana", "GRAFANA_TOKEN", "glc_{an:80}"),
    ("pulumi", "PULUMI_ACCESS_TOKEN", "pul-{hex:40}"),
    ("postman", "POSTMAN_API_KEY", "PMAK-{hex:24}-{hex:34}"),
    ("atlassian", "JIRA_API_TOKEN", "ATATT3{url:186}"),
    ("bitbucket", "BITBUCKET_APP_PASSWORD", "ATBB{an:32}"),
    ("telegram", "TELEGRAM_BOT_TOKEN", "{d:10}:AA{url:33}"),
    ("age", "AGE_KEY", "AGE-SECRET-KEY-1{bech:58}"),
    ("generic-password", "DB_PASSWORD", "{pw}"),
    ("generic-api-key", "PAYMENTS_API_KEY", "{an:32}"),
    ("generic-secret", "CLIENT_SECRET", "{an:40}"),
    (
        "postgres-url",
        "DATABASE_URL",
        "postgres://app:{pw}@db.internal:5432/app",
    ),
    (
        "mysql-url",
        "MYSQL_URL",
        "mysql://root:{pw}@mysql:3306/shop",
    ),
    (
        "mongodb-url",
        "MONGO_URI",
        "mongodb+srv://svc:{pw}@cluster0.abcde.mongodb.net/prod",
    ),
    ("redis-url", "REDIS_URL", "redis://:{pw}@cache:6379/0"),
    ("amqp-url", "BROKER_URL", "amqp://worker:{pw}@rabbit:5672/"),
    (
        "basic-auth-url",
        "INDEX_URL",
        "https://deploy:{pw}@pypi.acme.io/simple",
    ),
];

/// Code contexts: a line holding `NAME` and `VALUE`, with the file extension.
const CONTEXTS: &[(&str, &str)] = &[
    ("py", "NAME = \"VALUE\""),
    ("js", "const NAME = 'VALUE';"),
    ("go", "\tNAME := \"VALUE\""),
    ("java", "    private static final String NAME = \"VALUE\";"),
    ("yaml", "  NAME: VALUE"),
    ("env", "NAME=VALUE"),
    ("json", "  \"NAME\": \"VALUE\","),
    ("sh", "export NAME=\"VALUE\""),
    ("tf", "  NAME = \"VALUE\""),
    ("rb", "NAME = ENV.fetch('X', 'VALUE')"),
    ("properties", "NAME=VALUE"),
    ("toml", "NAME = \"VALUE\""),
];

fn filler(rng: &mut Rng, ext: &str) -> String {
    let lines: &[&str] = match ext {
        "py" => &[
            "import os",
            "def handler(event):",
            "    return {\"status\": 200}",
            "# configuration",
            "LOG_LEVEL = \"info\"",
            "TIMEOUT_SECONDS = 30",
        ],
        "js" | "ts" => &[
            "import express from 'express';",
            "const app = express();",
            "app.listen(3000);",
            "// settings",
            "module.exports = { retries: 3 };",
        ],
        "go" => &[
            "package main",
            "import \"fmt\"",
            "func main() {",
            "\tfmt.Println(\"ready\")",
            "}",
        ],
        "java" => &[
            "package com.acme.app;",
            "public class Config {",
            "    private int retries = 3;",
            "}",
        ],
        "yaml" => &[
            "service:",
            "  name: api",
            "  replicas: 2",
            "logging:",
            "  level: info",
        ],
        _ => &[
            "# generated",
            "REGION=eu-west-1",
            "LOG_LEVEL=debug",
            "FEATURE_X=true",
        ],
    };
    let mut s = String::new();
    for _ in 0..(2 + rng.below(4)) {
        s.push_str(lines[rng.below(lines.len())]);
        s.push('\n');
    }
    s
}

fn push_line(content: &mut String, line: &str) -> u32 {
    content.push_str(line);
    content.push('\n');
    content.matches('\n').count() as u32 - line.matches('\n').count() as u32
}

/// Generates the tree.
pub fn generate(seed: u64) -> Corpus {
    let mut rng = Rng::new(seed);
    let mut c = Corpus::default();
    // 1. Each family in four or five code/config contexts.
    for (fi, (family, var, tpl)) in FAMILIES.iter().enumerate() {
        for k in 0..4 {
            let (ext, ctx) = CONTEXTS[(fi * 5 + k * 3) % CONTEXTS.len()];
            let value = expand_with(tpl, &mut rng);
            let name = if ext == "json" || ext == "js" || ext == "go" {
                to_camel(var)
            } else if ext == "yaml" {
                var.to_ascii_lowercase()
            } else {
                var.to_string()
            };
            let mut content = filler(&mut rng, ext);
            let line = push_line(
                &mut content,
                &ctx.replace("NAME", &name).replace("VALUE", &value),
            );
            content.push_str(&filler(&mut rng, ext));
            let path = format!("services/svc{}/{}/config{k}.{ext}", fi % 7, family);
            c.planted.push(Planted {
                family,
                path: path.clone(),
                line,
            });
            c.files.push((path, content));
        }
    }
    // 2. Notebooks: the secret inside a JSON-escaped source line.
    for i in 0..16 {
        let (family, var, tpl) = FAMILIES[(i * 7) % FAMILIES.len()];
        let value = expand_with(tpl, &mut rng);
        let mut content = String::from("{\n \"cells\": [\n  {\n   \"cell_type\": \"code\",\n   \"metadata\": {},\n   \"source\": [\n    \"import requests\\n\",\n");
        let line = push_line(
            &mut content,
            &format!(
                "    \"{} = \\\"{}\\\"\\n\",",
                var.to_ascii_lowercase(),
                value.replace('"', "\\\"")
            ),
        );
        content.push_str("    \"requests.get(URL)\"\n   ]\n  }\n ],\n \"metadata\": {\"kernelspec\": {\"name\": \"python3\"}},\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n");
        let path = format!("notebooks/analysis{i}.ipynb");
        c.planted.push(Planted {
            family,
            path: path.clone(),
            line,
        });
        c.files.push((path, content));
    }
    // 3. Key files.
    let keys: &[(&str, &str, &str)] = &[
        ("private-key-rsa", "{pem:RSA PRIVATE KEY}", "id_rsa"),
        (
            "private-key-openssh",
            "{pem:OPENSSH PRIVATE KEY}",
            "id_ed25519",
        ),
        ("private-key-ec", "{pem:EC PRIVATE KEY}", "server.key"),
        ("private-key-pkcs8", "{pem:PRIVATE KEY}", "tls.key"),
        (
            "private-key-pgp",
            "{pem:PGP PRIVATE KEY BLOCK}",
            "signing.asc",
        ),
        ("private-key-putty", "{putty}", "deploy.ppk"),
    ];
    for i in 0..18 {
        let (family, tpl, name) = keys[i % keys.len()];
        let mut content = String::new();
        if i % 3 == 1 {
            content.push_str("# deploy key, do not share\n");
        }
        let line = push_line(&mut content, &expand_with(tpl, &mut rng));
        let path = format!("deploy/keys/{i}/{name}");
        c.planted.push(Planted {
            family,
            path: path.clone(),
            line,
        });
        c.files.push((path, content));
    }
    // 4. GCP service-account JSON: the key id and the escaped private key.
    for i in 0..4 {
        let mut content =
            String::from("{\n  \"type\": \"service_account\",\n  \"project_id\": \"acme-prod\",\n");
        let l1 = push_line(
            &mut content,
            &expand_with("  \"private_key_id\": \"{hex:40}\",", &mut rng),
        );
        let l2 = push_line(
            &mut content,
            &expand_with("  \"private_key\": \"{pemesc:PRIVATE KEY}\\n\",", &mut rng),
        );
        content.push_str("  \"client_email\": \"ci@acme-prod.iam.gserviceaccount.com\"\n}\n");
        let path = format!("infra/gcp/sa-{i}.json");
        c.planted.push(Planted {
            family: "gcp-service-account",
            path: path.clone(),
            line: l1,
        });
        c.planted.push(Planted {
            family: "private-key-pkcs8",
            path: path.clone(),
            line: l2,
        });
        c.files.push((path, content));
    }
    // 5. Kubernetes Secrets with base64 data.
    for i in 0..16 {
        let (family, var, tpl) = FAMILIES[(i * 5 + 3) % FAMILIES.len()];
        let value = expand_with(tpl, &mut rng);
        let mut content = format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-{i}\n  namespace: prod\ntype: Opaque\ndata:\n  username: {}\n", base64(b"app"));
        let line = push_line(
            &mut content,
            &format!(
                "  {}: {}",
                var.to_ascii_lowercase(),
                base64(value.as_bytes())
            ),
        );
        let path = format!("k8s/overlays/prod/secret-{i}.yaml");
        c.planted.push(Planted {
            family,
            path: path.clone(),
            line,
        });
        c.files.push((path, content));
    }
    // 6. docker config.json auths.
    for i in 0..8 {
        let mut content = String::from("{\n  \"auths\": {\n    \"registry.acme.io\": {\n");
        let line = push_line(
            &mut content,
            &expand_with("      \"auth\": \"{basic}\"", &mut rng),
        );
        content.push_str("    }\n  }\n}\n");
        let path = format!("ci/docker-{i}/config.json");
        c.planted.push(Planted {
            family: "docker-config-auth",
            path: path.clone(),
            line,
        });
        c.files.push((path, content));
    }
    // 7. Connection strings in application configs.
    let conns: &[(&str, &str)] = &[
        ("ado-connection-string", "  \"Default\": \"Server=tcp:acme.database.windows.net,1433;Database=app;User ID=app;Password={pw};\""),
        ("azure-storage", "  \"Storage\": \"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={b64:86}==;EndpointSuffix=core.windows.net\""),
        ("jdbc", "spring.datasource.url=jdbc:sqlserver://db:1433;databaseName=app;user=sa;password={pw};"),
        ("azure-service-bus", "  \"Bus\": \"Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey={b64:43}=\""),
    ];
    for i in 0..12 {
        let (family, tpl) = conns[i % conns.len()];
        let mut content = String::from("{\n \"ConnectionStrings\": {\n");
        let line = push_line(&mut content, &expand_with(tpl, &mut rng));
        content.push_str(" }\n}\n");
        let path = format!("dotnet/App{i}/appsettings.Production.json");
        c.planted.push(Planted {
            family,
            path: path.clone(),
            line,
        });
        c.files.push((path, content));
    }
    // 8. Hard negatives, spread over realistic files.
    let mut neg = String::new();
    let mut n = 0;
    let add = |s: String, neg: &mut String, n: &mut usize| {
        neg.push_str(&s);
        neg.push('\n');
        *n += 1;
    };
    for _ in 0..20 {
        add(
            expand_with("    \"integrity\": \"sha512-{b64:86}==\",", &mut rng),
            &mut neg,
            &mut n,
        );
        add(
            expand_with("github.com/acme/lib{d:2} v1.{d:1}.0 h1:{b64:43}=", &mut rng),
            &mut neg,
            &mut n,
        );
        add(
            expand_with("checksum = \"{hex:64}\"", &mut rng),
            &mut neg,
            &mut n,
        );
        add(
            expand_with("request_id = \"{uuid}\"", &mut rng),
            &mut neg,
            &mut n,
        );
        add(
            expand_with("api_key_id: {uuid}", &mut rng),
            &mut neg,
            &mut n,
        );
        add(expand_with("commit: {hex:40}", &mut rng), &mut neg, &mut n);
        add(expand_with("<script src=\"/app.js\" integrity=\"sha384-{b64:64}\" crossorigin=\"anonymous\"></script>", &mut rng), &mut neg, &mut n);
        add(
            expand_with(
                "  background: url(data:image/png;base64,iVBORw0KGgo{b64:600});",
                &mut rng,
            ),
            &mut neg,
            &mut n,
        );
        add(
            expand_with("FROM python:3.12@sha256:{hex:64}", &mut rng),
            &mut neg,
            &mut n,
        );
        add(
            expand_with("STRIPE_PUBLISHABLE_KEY=pk_live_{an:24}", &mut rng),
            &mut neg,
            &mut n,
        );
        add(
            expand_with("GITHUB_TOKEN={ghbad:ghp_}", &mut rng),
            &mut neg,
            &mut n,
        );
        add(
            expand_with(
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{b64:43} dev@laptop",
                &mut rng,
            ),
            &mut neg,
            &mut n,
        );
    }
    let fixed = [
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "password = \"changeme\"",
        "api_key = \"<your-api-key>\"",
        "token: xxxxxxxxxxxxxxxxxxxx",
        "DB_PASSWORD=${DB_PASSWORD}",
        "password: $POSTGRES_PASSWORD",
        "api_key = \"your_api_key_here\"",
        "secret = \"dummy-secret-value\"",
        "password: \"***\"",
        "token = os.environ[\"GITHUB_TOKEN\"]",
        "const apiKey = process.env.API_KEY;",
        "token = ENV.fetch(\"API_TOKEN\")",
        "password := os.Getenv(\"DB_PASSWORD\")",
        "String secret = System.getenv(\"CLIENT_SECRET\");",
        "password: {{ .Values.db.password }}",
        "client_secret: ${{ secrets.CLIENT_SECRET }}",
        "password = getpass.getpass()",
        "self.password = password",
        "if password == confirm_password:",
        "password_field = forms.CharField(widget=forms.PasswordInput)",
        "token_url = \"https://oauth2.googleapis.com/token\"",
        "DATABASE_URL=postgres://localhost:5432/app",
        "REDIS_URL=redis://cache:6379/0",
        "Authorization: Bearer <token>",
        "curl -H \"Authorization: Bearer $TOKEN\" https://api.acme.io",
        "secretName: app-tls",
        "private_key_path = \"/etc/ssl/private/server.key\"",
        "password_hash = \"$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG\"",
        "api_key: test",
        "PASSWORD=password",
        "password: null",
        "token = None",
        "export GITLAB_TOKEN=glpat-xxxxxxxxxxxxxxxxxxxx",
        "slack_token = \"xoxb-your-token-here\"",
        "mongodb://user:<password>@cluster0.mongodb.net/db",
        "https://user:${PASSWORD}@example.com/repo.git",
        "BROKER_URL=amqp://guest:guest@localhost:5672/",
        "auth_token_header = \"X-Auth-Token\"",
        "TOKEN_EXPIRY_SECONDS = 3600",
    ];
    for _ in 0..2 {
        for f in fixed {
            add(f.to_string(), &mut neg, &mut n);
        }
    }
    c.files.push(("docs/negatives/mixed.txt".to_string(), neg));
    // Minified code: one very long line with keyword-like assignments.
    let mut min = String::from("!function(e){var t={};");
    for _ in 0..80 {
        min.push_str(&expand_with(
            "e.{low:6}=\"{an:24}\",e.token=\"{an:12}\";",
            &mut rng,
        ));
    }
    min.push_str("}(window);\n");
    c.files.push(("web/dist/app.min.js".to_string(), min));
    n += 1;
    // Public keys and certificates.
    for i in 0..4 {
        let content = expand_with(
            "{pem:PUBLIC KEY}\n{pem:CERTIFICATE}\n{pem:PGP PUBLIC KEY BLOCK}\n",
            &mut rng,
        );
        c.files.push((format!("deploy/public/{i}.pem"), content));
        n += 3;
    }
    // A Kubernetes Secret holding only placeholders.
    let content = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: sample\ndata:\n  password: {}\n  api_key: {}\n",
        base64(b"changeme"),
        base64(b"${API_KEY}")
    );
    c.files
        .push(("k8s/base/secret-sample.yaml".to_string(), content));
    n += 2;
    c.negatives = n;
    c
}

fn to_camel(var: &str) -> String {
    let mut out = String::new();
    for (i, part) in var.split('_').enumerate() {
        let p = part.to_ascii_lowercase();
        if i == 0 {
            out.push_str(&p);
        } else {
            let mut ch = p.chars();
            if let Some(f) = ch.next() {
                out.push(f.to_ascii_uppercase());
                out.extend(ch);
            }
        }
    }
    out
}
