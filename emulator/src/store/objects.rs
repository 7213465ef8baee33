//! Rows of templates (with revisions) and of the objects revision 2026-08-21 adds: public
//! ports, domains, SSH keys, template builds, integration connections.

use rusqlite::{OptionalExtension, Row, params};
use serde_json::Value;

use super::{Tx, internal};
use crate::error::ApiResult;
use crate::model;
use crate::objects::{
    Build, BuildStatus, Connection, Domain, PublicPort, SshKey, TemplateRevision, WorkspaceTemplate,
};

const TEMPLATE_COLS: &str =
    "name, image_ref, description, ports, default_port, revision, image_digest, created, updated";

fn read_template(r: &Row<'_>) -> rusqlite::Result<(WorkspaceTemplate, String)> {
    Ok((
        WorkspaceTemplate {
            name: r.get(0)?,
            image_ref: r.get(1)?,
            description: r.get(2)?,
            ports: Vec::new(),
            default_port: r.get(4)?,
            revision: r.get(5)?,
            image_digest: r.get(6)?,
            created: r.get(7)?,
            updated: r.get(8)?,
        },
        r.get(3)?,
    ))
}

fn with_ports((mut t, ports): (WorkspaceTemplate, String)) -> ApiResult<WorkspaceTemplate> {
    let v: Value = serde_json::from_str(&ports)?;
    t.ports = model::ports_from_json(&v);
    Ok(t)
}

const PORT_COLS: &str = "instance_id, port, slug, prefix, label, created";

fn read_port(r: &Row<'_>) -> rusqlite::Result<PublicPort> {
    Ok(PublicPort {
        instance_id: r.get(0)?,
        port: r.get(1)?,
        slug: r.get(2)?,
        prefix: r.get(3)?,
        label: r.get(4)?,
        created: r.get(5)?,
    })
}

fn read_domain(r: &Row<'_>) -> rusqlite::Result<Domain> {
    Ok(Domain {
        domain: r.get(0)?,
        workspace: r.get(1)?,
        active: r.get(2)?,
        created: r.get(3)?,
        polls: r.get(4)?,
    })
}

const BUILD_COLS: &str = "id, workspace, name, status, size_bytes, default_port, description, \
    upload_len, upload_digest, context, created, started, finished, expires_at, build_seconds, \
    ingest_seconds, error_code, error_message, published_revision, published_digest, fail_ingest, tail_log";

type RawBuild = (
    Build,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn read_build(r: &Row<'_>) -> rusqlite::Result<RawBuild> {
    let code: Option<String> = r.get(16)?;
    let message: Option<String> = r.get(17)?;
    let rev: Option<i64> = r.get(18)?;
    let digest: Option<String> = r.get(19)?;
    Ok((
        Build {
            id: r.get(0)?,
            workspace: r.get(1)?,
            name: r.get(2)?,
            status: BuildStatus::Created,
            size_bytes: r.get(4)?,
            default_port: None,
            description: None,
            upload_len: r.get(7)?,
            upload_digest: r.get(8)?,
            context: None,
            created: r.get(10)?,
            started: r.get(11)?,
            finished: r.get(12)?,
            expires_at: r.get(13)?,
            build_seconds: r.get(14)?,
            ingest_seconds: r.get(15)?,
            error: code.zip(message),
            published: rev.zip(digest),
            fail_ingest: r.get(20)?,
            tail_log: r.get(21)?,
        },
        r.get(3)?,
        r.get(5)?,
        r.get(6)?,
        r.get(9)?,
    ))
}

fn decode_build((mut b, status, port, description, context): RawBuild) -> ApiResult<Build> {
    b.status =
        BuildStatus::parse(&status).ok_or_else(|| internal(format!("build status {status:?}")))?;
    b.default_port = port.map(|p| serde_json::from_str(&p)).transpose()?;
    b.description = description.map(|d| serde_json::from_str(&d)).transpose()?;
    b.context = match context {
        None => None,
        Some(text) => {
            let v: Value = serde_json::from_str(&text)?;
            match (v.get("ok"), v.get("err")) {
                (Some(ok), _) => Some(Ok(serde_json::from_value(ok.clone())?)),
                (_, Some(Value::String(e))) => Some(Err(e.clone())),
                _ => None,
            }
        }
    };
    Ok(b)
}

fn read_connection(r: &Row<'_>) -> rusqlite::Result<Connection> {
    Ok(Connection {
        id: r.get(0)?,
        instance_id: r.get(1)?,
        toolkit: r.get(2)?,
        status: r.get(3)?,
        auth_scheme: r.get(4)?,
        callback_url: r.get(5)?,
        created_ms: r.get(6)?,
        updated_ms: r.get(7)?,
    })
}

const CONNECTION_COLS: &str =
    "id, instance_id, toolkit, status, auth_scheme, callback_url, created_ms, updated_ms";

impl Tx<'_> {
    // ------------------------------------------------------------ templates

    pub fn templates(&self, workspace: &str) -> ApiResult<Vec<WorkspaceTemplate>> {
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT {TEMPLATE_COLS} FROM templates WHERE workspace = ?1 ORDER BY name"
        ))?;
        let rows = stmt
            .query_map([workspace], read_template)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(with_ports).collect()
    }

    pub fn template(&self, workspace: &str, name: &str) -> ApiResult<Option<WorkspaceTemplate>> {
        self.tx
            .prepare_cached(&format!(
                "SELECT {TEMPLATE_COLS} FROM templates WHERE workspace = ?1 AND name = ?2"
            ))?
            .query_row([workspace, name], read_template)
            .optional()?
            .map(with_ports)
            .transpose()
    }

    pub fn insert_template(&self, workspace: &str, t: &WorkspaceTemplate) -> ApiResult<()> {
        self.tx.execute(
            &format!("INSERT INTO templates (workspace, {TEMPLATE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
            params![
                workspace,
                t.name,
                t.image_ref,
                t.description,
                model::ports_to_json(&t.ports).to_string(),
                t.default_port,
                t.revision,
                t.image_digest,
                t.created,
                t.updated
            ],
        )?;
        Ok(())
    }

    /// Replaces `old_name`'s row by `t` (a rename carries the revisions along).
    pub fn replace_template(
        &self,
        workspace: &str,
        old_name: &str,
        t: &WorkspaceTemplate,
    ) -> ApiResult<()> {
        self.tx.execute(
            "DELETE FROM templates WHERE workspace = ?1 AND name = ?2",
            [workspace, old_name],
        )?;
        if old_name != t.name {
            self.tx.execute(
                "UPDATE template_revisions SET name = ?3 WHERE workspace = ?1 AND name = ?2",
                [workspace, old_name, &t.name],
            )?;
        }
        self.insert_template(workspace, t)
    }

    pub fn delete_template(&self, workspace: &str, name: &str) -> ApiResult<bool> {
        let n = self.tx.execute(
            "DELETE FROM templates WHERE workspace = ?1 AND name = ?2",
            [workspace, name],
        )?;
        self.tx.execute(
            "DELETE FROM template_revisions WHERE workspace = ?1 AND name = ?2",
            [workspace, name],
        )?;
        Ok(n > 0)
    }

    pub fn add_template_revision(
        &self,
        workspace: &str,
        name: &str,
        r: &TemplateRevision,
    ) -> ApiResult<()> {
        self.tx.execute(
            "INSERT OR REPLACE INTO template_revisions (workspace, name, revision, image_digest, image_ref, created)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![workspace, name, r.revision, r.image_digest, r.image_ref, r.created],
        )?;
        Ok(())
    }

    /// Published revisions, newest first.
    pub fn template_revisions(
        &self,
        workspace: &str,
        name: &str,
    ) -> ApiResult<Vec<TemplateRevision>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT revision, image_digest, image_ref, created FROM template_revisions
             WHERE workspace = ?1 AND name = ?2 ORDER BY revision DESC",
        )?;
        Ok(stmt
            .query_map([workspace, name], |r| {
                Ok(TemplateRevision {
                    revision: r.get(0)?,
                    image_digest: r.get(1)?,
                    image_ref: r.get(2)?,
                    created: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?)
    }

    // ------------------------------------------------------------ public ports

    /// An instance's public ports in creation order.
    pub fn public_ports(&self, instance: &str) -> ApiResult<Vec<PublicPort>> {
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT {PORT_COLS} FROM public_ports WHERE instance_id = ?1 ORDER BY seq"
        ))?;
        Ok(stmt
            .query_map([instance], read_port)?
            .collect::<Result<Vec<_>, _>>()?)
    }

    pub fn insert_public_port(&self, p: &PublicPort) -> ApiResult<()> {
        let seq = self.next_seq("public_ports")?;
        self.tx.execute(
            &format!(
                "INSERT INTO public_ports ({PORT_COLS}, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            ),
            params![
                p.instance_id,
                p.port,
                p.slug,
                p.prefix,
                p.label,
                p.created,
                seq
            ],
        )?;
        Ok(())
    }

    pub fn delete_public_port(&self, instance: &str, port: i64) -> ApiResult<bool> {
        Ok(self.tx.execute(
            "DELETE FROM public_ports WHERE instance_id = ?1 AND port = ?2",
            params![instance, port],
        )? > 0)
    }

    pub fn delete_public_ports(&self, instance: &str) -> ApiResult<()> {
        self.tx.execute(
            "DELETE FROM public_ports WHERE instance_id = ?1",
            [instance],
        )?;
        Ok(())
    }

    pub fn public_port_by_slug(&self, slug: &str) -> ApiResult<Option<PublicPort>> {
        Ok(self
            .tx
            .prepare_cached(&format!(
                "SELECT {PORT_COLS} FROM public_ports WHERE slug = ?1"
            ))?
            .query_row([slug], read_port)
            .optional()?)
    }

    pub fn public_port_by_prefix(
        &self,
        instance: &str,
        prefix: &str,
    ) -> ApiResult<Option<PublicPort>> {
        Ok(self
            .tx
            .prepare_cached(&format!(
                "SELECT {PORT_COLS} FROM public_ports WHERE instance_id = ?1 AND prefix = ?2"
            ))?
            .query_row([instance, prefix], read_port)
            .optional()?)
    }

    // ------------------------------------------------------------ domains

    pub fn domain(&self, domain: &str) -> ApiResult<Option<Domain>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT domain, workspace, active, created, polls FROM domains WHERE domain = ?1",
            )?
            .query_row([domain], read_domain)
            .optional()?)
    }

    /// A workspace's domains, oldest first (only the active ones when `active_only`).
    pub fn domains(&self, workspace: &str, active_only: bool) -> ApiResult<Vec<Domain>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT domain, workspace, active, created, polls FROM domains
             WHERE workspace = ?1 AND (?2 = 0 OR active = 1) ORDER BY seq",
        )?;
        Ok(stmt
            .query_map(params![workspace, active_only], read_domain)?
            .collect::<Result<Vec<_>, _>>()?)
    }

    pub fn save_domain(&self, d: &Domain) -> ApiResult<()> {
        let seq = self.next_seq("domains")?;
        self.tx.execute(
            "INSERT INTO domains (domain, workspace, active, created, polls, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (domain) DO UPDATE SET active = excluded.active, polls = excluded.polls",
            params![d.domain, d.workspace, d.active, d.created, d.polls, seq],
        )?;
        Ok(())
    }

    pub fn delete_domain(&self, domain: &str) -> ApiResult<()> {
        self.tx
            .execute("DELETE FROM domains WHERE domain = ?1", [domain])?;
        Ok(())
    }

    // ------------------------------------------------------------ SSH keys

    /// A workspace's keys, newest first.
    pub fn ssh_keys(&self, workspace: &str) -> ApiResult<Vec<SshKey>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT id, workspace, name, key_type, fingerprint, created FROM ssh_keys
             WHERE workspace = ?1 ORDER BY seq DESC",
        )?;
        Ok(stmt
            .query_map([workspace], |r| {
                Ok(SshKey {
                    id: r.get(0)?,
                    workspace: r.get(1)?,
                    name: r.get(2)?,
                    key_type: r.get(3)?,
                    fingerprint: r.get(4)?,
                    created: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?)
    }

    pub fn insert_ssh_key(&self, k: &SshKey) -> ApiResult<()> {
        let seq = self.next_seq("ssh_keys")?;
        self.tx.execute(
            "INSERT INTO ssh_keys (id, workspace, name, key_type, fingerprint, created, seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                k.id,
                k.workspace,
                k.name,
                k.key_type,
                k.fingerprint,
                k.created,
                seq
            ],
        )?;
        Ok(())
    }

    pub fn delete_ssh_key(&self, workspace: &str, id: &str) -> ApiResult<bool> {
        Ok(self.tx.execute(
            "DELETE FROM ssh_keys WHERE workspace = ?1 AND id = ?2",
            [workspace, id],
        )? > 0)
    }

    // ------------------------------------------------------------ template builds

    pub fn build(&self, id: &str) -> ApiResult<Option<Build>> {
        self.tx
            .prepare_cached(&format!(
                "SELECT {BUILD_COLS} FROM template_builds WHERE id = ?1"
            ))?
            .query_row([id], read_build)
            .optional()?
            .map(decode_build)
            .transpose()
    }

    /// Builds of a workspace in `building` or `ingesting`.
    pub fn running_builds(&self, workspace: &str) -> ApiResult<Vec<String>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT id FROM template_builds WHERE workspace = ?1 AND status IN ('building', 'ingesting')",
        )?;
        Ok(stmt
            .query_map([workspace], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?)
    }

    /// Builds a sweep must look at by `now`.
    pub fn builds_to_sweep(&self, now: i64) -> ApiResult<Vec<String>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT id FROM template_builds WHERE sweep_at <= ?1 ORDER BY sweep_at",
        )?;
        Ok(stmt
            .query_map([now], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?)
    }

    pub fn save_build(&self, b: &Build, sweep_at: Option<i64>) -> ApiResult<()> {
        let context = b
            .context
            .as_ref()
            .map(|c| match c {
                Ok(steps) => serde_json::json!({"ok": steps}),
                Err(e) => serde_json::json!({"err": e}),
            })
            .map(|v| v.to_string());
        let port = b
            .default_port
            .map(|p| serde_json::to_string(&p))
            .transpose()?;
        let description = b
            .description
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?;
        let (code, message) = b.error.clone().unzip();
        let (rev, digest) = b.published.clone().unzip();
        self.tx.execute(
            &format!(
                "INSERT OR REPLACE INTO template_builds ({BUILD_COLS}, sweep_at) VALUES
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                  ?19, ?20, ?21, ?22, ?23)"
            ),
            params![
                b.id,
                b.workspace,
                b.name,
                b.status.as_str(),
                b.size_bytes,
                port,
                description,
                b.upload_len,
                b.upload_digest,
                context,
                b.created,
                b.started,
                b.finished,
                b.expires_at,
                b.build_seconds,
                b.ingest_seconds,
                code,
                message,
                rev,
                digest,
                b.fail_ingest,
                b.tail_log,
                sweep_at
            ],
        )?;
        Ok(())
    }

    // ------------------------------------------------------------ connections

    pub fn connections(&self, instance: &str) -> ApiResult<Vec<Connection>> {
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT {CONNECTION_COLS} FROM connections WHERE instance_id = ?1 ORDER BY seq"
        ))?;
        Ok(stmt
            .query_map([instance], read_connection)?
            .collect::<Result<Vec<_>, _>>()?)
    }

    pub fn connection(&self, id: &str) -> ApiResult<Option<Connection>> {
        Ok(self
            .tx
            .prepare_cached(&format!(
                "SELECT {CONNECTION_COLS} FROM connections WHERE id = ?1"
            ))?
            .query_row([id], read_connection)
            .optional()?)
    }

    pub fn save_connection(&self, c: &Connection) -> ApiResult<()> {
        let seq = self.next_seq("connections")?;
        self.tx.execute(
            &format!(
                "INSERT INTO connections ({CONNECTION_COLS}, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_ms = excluded.updated_ms"
            ),
            params![
                c.id,
                c.instance_id,
                c.toolkit,
                c.status,
                c.auth_scheme,
                c.callback_url,
                c.created_ms,
                c.updated_ms,
                seq
            ],
        )?;
        Ok(())
    }

    pub fn delete_connection(&self, id: &str) -> ApiResult<()> {
        self.tx
            .execute("DELETE FROM connections WHERE id = ?1", [id])?;
        Ok(())
    }

    /// What goes with a deleted instance: public ports, connections and plane files.
    pub fn drop_instance_children(&self, instance: &str) -> ApiResult<()> {
        self.delete_public_ports(instance)?;
        self.tx
            .execute("DELETE FROM connections WHERE instance_id = ?1", [instance])?;
        self.tx.execute(
            "DELETE FROM instance_files WHERE instance_id = ?1",
            [instance],
        )?;
        Ok(())
    }

    // ------------------------------------------------------------ plane files

    /// The content and modification time of a file on an instance's plane.
    pub fn file(&self, instance: &str, path: &str) -> ApiResult<Option<(Vec<u8>, i64)>> {
        Ok(self
            .tx
            .query_row(
                "SELECT content, modified FROM instance_files WHERE instance_id = ?1 AND path = ?2",
                [instance, path],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    pub fn save_file(
        &self,
        instance: &str,
        path: &str,
        content: &[u8],
        modified: i64,
    ) -> ApiResult<()> {
        self.tx.execute(
            "INSERT INTO instance_files (instance_id, path, content, modified) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (instance_id, path) DO UPDATE SET content = excluded.content, modified = excluded.modified",
            params![instance, path, content, modified],
        )?;
        Ok(())
    }

    /// Whether there was a file to delete.
    pub fn delete_file(&self, instance: &str, path: &str) -> ApiResult<bool> {
        let n = self.tx.execute(
            "DELETE FROM instance_files WHERE instance_id = ?1 AND path = ?2",
            [instance, path],
        )?;
        Ok(n > 0)
    }
}
