//! Which attribute an API failure of `agent37_instance` is about, so that Terraform points at
//! the line that caused it (pure): a resize at the dimension that grows, a label change at the
//! label, a create refused for its shape at `cpu`.

use crate::api::{ApiError, Resize};
use crate::sdk::Path;

use super::model::Instance;

/// A failed resize: `cpu` when the shape changes (cpu and memory travel together), else `disk`.
pub fn resize(resize: &Resize) -> Path {
    if resize.cpu.is_some() || resize.memory.is_some() {
        Path::attr(Instance::CPU)
    } else {
        Path::attr(Instance::DISK)
    }
}

/// A failed PATCH of the labels: the first of `name`, `user`, `metadata` that changes.
pub fn patch(prior: &Instance, planned: &Instance) -> Path {
    let name = if planned.name != prior.name {
        Instance::NAME
    } else if planned.user != prior.user {
        Instance::USER
    } else {
        Instance::METADATA
    };
    Path::attr(name)
}

/// A failed create: the shape when the tier refuses it; nothing else names one attribute.
pub fn create(err: &ApiError) -> Option<Path> {
    match err.code() {
        Some("tier_limit") => Some(Path::attr(Instance::CPU)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::model::Attr;

    #[test]
    fn failures_point_at_what_caused_them() {
        let shape = Resize {
            cpu: Some(4),
            memory: Some(8),
            disk: None,
        };
        assert_eq!(resize(&shape), Path::attr("cpu"));
        let disk = Resize {
            cpu: None,
            memory: None,
            disk: Some(20),
        };
        assert_eq!(resize(&disk), Path::attr("disk"));

        let prior = Instance {
            name: Attr::from("a".to_string()),
            user: Attr::from("u".to_string()),
            ..Default::default()
        };
        let renamed = Instance {
            name: Attr::from("b".to_string()),
            ..prior.clone()
        };
        assert_eq!(patch(&prior, &renamed), Path::attr("name"));
        let reassigned = Instance {
            user: Attr::from("v".to_string()),
            ..prior.clone()
        };
        assert_eq!(patch(&prior, &reassigned), Path::attr("user"));
        assert_eq!(patch(&prior, &prior), Path::attr("metadata"));

        let api = |code: &str| ApiError::Api {
            status: 403,
            code: code.into(),
            message: String::new(),
            detail: None,
            retry_after: None,
            key_origin: None,
        };
        assert_eq!(create(&api("tier_limit")), Some(Path::attr("cpu")));
        assert_eq!(create(&api("instance_limit_reached")), None);
    }
}
