//! Secure NATS topologies for the security tests, built from the real
//! deployment files: `nats/hub.conf` (its users and permissions, its TLS
//! blocks switched on) and `nats/leaf.conf`, run by a real `nats-server`
//! with the passwords in its environment, exactly as compose and k8s do.
//!
//! What a test changes in those files is only what cannot be fixed in a
//! shared file: ports (free ones per test), the certificate directory, the
//! JetStream store directory (the server's own temporary one), and the site
//! users (copied from the file's own site-user template, so a
//! loosened template fails the tests). Certificates (a CA, the server, one
//! client certificate) are made at test time with `rcgen`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use healthmon_common::nats::{NatsAuth, NatsConfig, TlsFiles};
use healthmon_test_support::{NatsServer, TempDir, free_port};

use crate::central::{Centre, Options};

/// The repository's copy of a deployment file (`nats/hub.conf`, ...).
pub fn repo_file(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Replaces `from` (which must occur exactly once) by `to`.
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "expected {from:?} exactly once in the config"
    );
    text.replacen(from, to, 1)
}

/// Switches on the commented TLS blocks (`# tls-on` ... `# tls-off`) the way
/// the file tells an operator to, with the PEM files in `dir` instead of
/// `/etc/nats/tls/`.
pub fn enable_tls(conf: &str, dir: &Path) -> String {
    let dir = format!("{}/", dir.display());
    enable_block(conf, "tls").replace("/etc/nats/tls/", &dir)
}

/// Switches on a commented block of a deployment file, `# <name>-on` ...
/// `# <name>-off` (e.g. `partitions` in hub.conf), the
/// way the file tells an operator to: every line in it uncommented.
pub fn enable_block(conf: &str, name: &str) -> String {
    let (on, off) = (format!("# {name}-on"), format!("# {name}-off"));
    let mut inside = false;
    let mut blocks = 0;
    let mut out = String::new();
    for line in conf.lines() {
        let trimmed = line.trim_start();
        if trimmed == on {
            inside = true;
            blocks += 1;
            continue;
        }
        if trimmed == off {
            inside = false;
            continue;
        }
        if inside {
            let indent = &line[..line.len() - trimmed.len()];
            let code = trimmed
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("line {line:?} in a {name}-on block is not commented"));
            out.push_str(indent);
            out.push_str(code);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    assert!(blocks > 0, "no `{on}` block in the config");
    out
}

/// A `nats-server` running a deployment file (`{port}`-free: the file's own
/// `listen` is overridden by the harness's free port) with the passwords in
/// its environment; panics with the server's log if it does not start.
pub fn start_conf(conf: &str, env: &[(String, String)]) -> NatsServer {
    NatsServer::builder()
        .config(conf)
        .env(env)
        .start()
        .unwrap_or_else(|e| panic!("nats-server with a deployment config: {e:#}"))
}

/// A CA, a server certificate for `localhost`/`127.0.0.1` and a client
/// certificate, as PEM files in one directory under the names the configs use.
pub struct Pki {
    pub dir: TempDir,
}

impl Pki {
    pub fn generate() -> Self {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
            IsCa, KeyPair, KeyUsagePurpose,
        };
        let dir = TempDir::new("pki").expect("temp dir");
        let write = |name: &str, pem: String| {
            std::fs::write(dir.path.join(name), pem).expect("write pem");
        };
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "healthmon test CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("ca key"))
            .expect("ca certificate");
        write("ca.pem", ca.pem());
        let leaf_cert = |name: &str, sans: Vec<String>, usage: ExtendedKeyUsagePurpose| {
            let mut params = CertificateParams::new(sans).expect("params");
            params.distinguished_name.push(DnType::CommonName, name);
            params.extended_key_usages = vec![usage];
            let key = KeyPair::generate().expect("key");
            let cert = params.signed_by(&key, &ca).expect("sign");
            (cert.pem(), key.serialize_pem())
        };
        let (cert, key) = leaf_cert(
            "healthmon hub",
            vec!["localhost".into(), "127.0.0.1".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        write("server.pem", cert);
        write("server-key.pem", key);
        // One client certificate for everything that dials the hub: the
        // services and the site's leaf node.
        let (cert, key) = leaf_cert(
            "healthmon client",
            Vec::new(),
            ExtendedKeyUsagePurpose::ClientAuth,
        );
        write("client.pem", cert.clone());
        write("client-key.pem", key.clone());
        write("leaf.pem", cert);
        write("leaf-key.pem", key);
        Pki { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path.join(name)
    }

    /// What a service needs to connect: the CA and its client certificate.
    pub fn client_files(&self) -> TlsFiles {
        TlsFiles {
            ca: Some(self.path("ca.pem")),
            client: Some((self.path("client.pem"), self.path("client-key.pem"))),
        }
    }
}

/// How a test site logs in.
#[derive(Clone)]
pub enum SiteLogin {
    Password,
    /// The site's NKey public key (`U...`); the seed stays with the test.
    NKey(String),
}

/// The hub from `nats/hub.conf`, with site users added for the test.
pub struct Hub {
    pub server: NatsServer,
    pub leaf_port: u16,
    pub tls: bool,
    env: Vec<(String, String)>,
}

/// The password variable of a user, as hub.conf names it.
fn password_var(user: &str) -> String {
    format!(
        "HEALTHMON_{}_PASSWORD",
        user.to_uppercase().replace('-', "_")
    )
}

impl Hub {
    /// Starts the hub with one site user per `(site_id, login)`; with `pki`,
    /// TLS (mutual, on the client and leafnode ports) is on.
    pub fn start(sites: &[(&str, SiteLogin)], pki: Option<&Pki>) -> Hub {
        Self::start_conf(repo_file("nats/hub.conf"), sites, pki)
    }

    /// The hub with its `partitions` block on for `partitions` partitions
    /// (the mapping the file documents, with that N).
    pub fn start_partitioned(sites: &[(&str, SiteLogin)], partitions: u16) -> Hub {
        let mut conf = enable_block(&repo_file("nats/hub.conf"), "partitions");
        conf = replace_once(
            &conf,
            "{{partition(2,1)}}",
            &format!("{{{{partition({partitions},1)}}}}"),
        );
        Self::start_conf(conf, sites, None)
    }

    fn start_conf(mut conf: String, sites: &[(&str, SiteLogin)], pki: Option<&Pki>) -> Hub {
        // JetStream (the fleet registry, the assessors' lease) in the
        // server's own directory (`{dir}`), gone with it.
        conf = replace_once(&conf, "store_dir: \"/data\"", "store_dir: \"{dir}\"");
        if let Some(pki) = pki {
            conf = enable_tls(&conf, &pki.dir.path);
        }
        let monitor = free_port().expect("port");
        let leaf_port = free_port().expect("port");
        conf = replace_once(
            &conf,
            "http: 0.0.0.0:8222",
            &format!("http: 127.0.0.1:{monitor}"),
        );
        conf = replace_once(
            &conf,
            "listen: 0.0.0.0:7422",
            &format!("listen: 127.0.0.1:{leaf_port}"),
        );
        // The documented site-user entry, one per test site.
        let template = conf
            .lines()
            .skip_while(|l| !l.contains("user: site-plant-north-01"))
            .find(|l| l.trim_start().starts_with("permissions:"))
            .expect("hub.conf has the site-plant-north-01 template")
            .trim()
            .to_owned();
        let mut env: Vec<(String, String)> = conf
            .split('$')
            .skip(1)
            .filter_map(|rest| {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                name.starts_with("HEALTHMON_").then_some(name)
            })
            .map(|name| {
                let value = format!("pw-{}", name.to_lowercase());
                (name, value)
            })
            .collect();
        let mut users = String::new();
        for (site, login) in sites {
            let permissions = template.replace("plant-north-01", site);
            match login {
                SiteLogin::Password => {
                    let user = format!("site-{site}");
                    let var = password_var(&user);
                    users.push_str(&format!(
                        "      {{user: {user}, password: ${var}, {permissions}}}\n"
                    ));
                    env.push((var, format!("pw-{user}")));
                }
                SiteLogin::NKey(public) => {
                    users.push_str(&format!("      {{nkey: {public}, {permissions}}}\n"));
                }
            }
        }
        conf = replace_once(&conf, "    users: [\n", &format!("    users: [\n{users}"));
        let server = start_conf(&conf, &env);
        Hub {
            server,
            leaf_port,
            tls: pki.is_some(),
            env,
        }
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    pub fn url(&self) -> String {
        let scheme = if self.tls { "tls" } else { "nats" };
        format!("{scheme}://127.0.0.1:{}", self.server.port())
    }

    /// The password the hub expects for `user` (a central user, `ops`, or `site-<id>`).
    pub fn password(&self, user: &str) -> String {
        let var = password_var(user);
        self.env
            .iter()
            .find(|(k, _)| *k == var)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no password for user {user}"))
    }

    /// A plain client logged in as `user` (a hub without TLS), and the
    /// errors the server sends it; see [`client_as`].
    pub async fn login(
        &self,
        user: &str,
    ) -> (
        async_nats::Client,
        tokio::sync::mpsc::UnboundedReceiver<String>,
    ) {
        client_as(&self.url(), user, &self.password(user), None).await
    }

    /// Service settings logged in as `user`, with TLS files when the hub has TLS.
    pub fn nats_config(&self, user: &str, pki: Option<&Pki>) -> NatsConfig {
        let mut config = NatsConfig::local(self.url());
        config.auth = NatsAuth::UserPassword {
            user: user.to_owned(),
            password: self.password(user),
        };
        config.tls = pki.map(Pki::client_files);
        config.connect_timeout = Duration::from_secs(5);
        config
    }
}

/// A site's leaf node from `nats/leaf.conf`, logged in to the hub as `site-<id>`.
pub fn start_leaf(hub: &Hub, site: &str, pki: Option<&Pki>) -> NatsServer {
    let mut conf = repo_file("nats/leaf.conf");
    if let Some(pki) = pki {
        conf = enable_tls(&conf, &pki.dir.path);
    }
    let monitor = free_port().expect("port");
    conf = replace_once(
        &conf,
        "http: 127.0.0.1:8222",
        &format!("http: 127.0.0.1:{monitor}"),
    );
    let user = format!("site-{site}");
    let scheme = if pki.is_some() { "tls" } else { "nats-leaf" };
    let url = format!(
        "{scheme}://{user}:{}@127.0.0.1:{}",
        hub.password(&user),
        hub.leaf_port
    );
    let env = vec![
        ("HEALTHMON_LEAF_NAME".to_owned(), format!("leaf-{site}")),
        ("HEALTHMON_HUB_LEAF_URL".to_owned(), url),
    ];
    start_conf(&conf, &env)
}

/// The central services, each logged in as its own hub user.
pub async fn secure_centre(hub: &Hub, pki: Option<&Pki>) -> Centre {
    let logins: Vec<(String, NatsConfig)> = ["aggregator", "assessor", "dashboard"]
        .iter()
        .map(|user| (user.to_string(), hub.nats_config(user, pki)))
        .collect();
    let options = Options::default().login(move |role| {
        logins
            .iter()
            .find(|(user, _)| user == role)
            .map(|(_, config)| config.clone())
            .unwrap_or_else(|| panic!("no hub user for {role}"))
    });
    Centre::start(&hub.url(), options).await
}

/// A plain client logged in as `user`, and the server errors it receives
/// (permission violations arrive asynchronously, as `-ERR` lines).
pub async fn client_as(
    url: &str,
    user: &str,
    password: &str,
    pki: Option<&Pki>,
) -> (
    async_nats::Client,
    tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut options =
        async_nats::ConnectOptions::with_user_and_password(user.to_owned(), password.to_owned());
    if let Some(pki) = pki {
        options = options
            .require_tls(true)
            .add_root_certificates(pki.path("ca.pem"))
            .add_client_certificate(pki.path("client.pem"), pki.path("client-key.pem"));
    }
    let client = options
        .event_callback(move |event| {
            let tx = tx.clone();
            async move {
                if let async_nats::Event::ServerError(e) = event {
                    let _ = tx.send(e.to_string());
                }
            }
        })
        .connect(url)
        .await
        .unwrap_or_else(|e| panic!("{user} connects: {e}"));
    (client, rx)
}

/// Waits for a server error containing `what` (e.g. `Permissions Violation for Publish to "x"`).
pub async fn expect_server_error(
    errors: &mut tokio::sync::mpsc::UnboundedReceiver<String>,
    what: &str,
) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, errors.recv()).await {
            Ok(Some(e)) if e.to_lowercase().contains(&what.to_lowercase()) => return e,
            Ok(Some(_)) => continue,
            _ => panic!("no server error containing {what:?} within 5 s"),
        }
    }
}

/// Waits for the server's refusal of a publish to `subject`.
pub async fn expect_refused_publish(
    errors: &mut tokio::sync::mpsc::UnboundedReceiver<String>,
    subject: &str,
) {
    let what = format!("Permissions Violation for Publish to \"{subject}\"");
    expect_server_error(errors, &what).await;
}

/// Waits for the server's refusal of a subscription to `subject`.
pub async fn expect_refused_subscription(
    errors: &mut tokio::sync::mpsc::UnboundedReceiver<String>,
    subject: &str,
) {
    let what = format!("Permissions Violation for Subscription to \"{subject}\"");
    expect_server_error(errors, &what).await;
}
