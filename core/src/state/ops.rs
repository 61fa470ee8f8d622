//! The state operations of `gantry state rm|mv`, `import` and `force-unlock`: each
//! reads the state, changes it, and writes it back with the serial incremented.
//! A mutation takes the held lock as its argument, so it cannot run without one.

use super::{LockGuard, ResourceInstanceState, State, StateError, StateStore};
use crate::addr::ResourceAddrPattern;
use crate::addr::ResourceInstanceAddr;

#[derive(Debug, thiserror::Error)]
pub enum StateOpError {
    /// A pattern that selects nothing; nothing was changed.
    #[error("No instance found for the given address: {0}")]
    NoMatch(String),
    #[error("cannot move {from} to {to}: the resource types differ")]
    TypeMismatch { from: Box<ResourceInstanceAddr>, to: Box<ResourceInstanceAddr> },
    #[error("cannot move to {0}: that address already exists in state")]
    TargetExists(ResourceInstanceAddr),
    #[error("{0} is already in state; remove it first with gantry state rm {0}")]
    AlreadyManaged(ResourceInstanceAddr),
    #[error("Resource instance {0} is not tainted")]
    NotTainted(ResourceInstanceAddr),
    #[error("the state to push has lineage {pushed}, but the stored state has lineage {stored}: it is another state. Push it with -force only if it is meant to replace this one")]
    OtherLineage { pushed: String, stored: String },
    #[error("the state to push has serial {pushed}, older than the stored state's {stored}{same}. Pull the stored state and work from it, or push with -force to overwrite it")]
    OlderSerial { pushed: u64, stored: u64, same: &'static str },
    #[error("the journal holds {0} change(s) a run left unresolved; run gantry plan to resolve them before pushing, or push with -force")]
    PendingChanges(usize),
    #[error(transparent)]
    State(#[from] StateError),
}

fn matches(pattern: &ResourceAddrPattern, addr: &ResourceInstanceAddr) -> bool {
    pattern.matches(addr)
}

fn pattern_text(pattern: &ResourceAddrPattern) -> String {
    pattern.to_string()
}

/// The state with its journal folded in, and the intents a later plan must still resolve.
fn read(store: &dyn StateStore) -> Result<(State, Vec<super::Intent>), StateError> {
    Ok(store.read_journaled()?.map(|j| (j.state, j.pending)).unwrap_or_default())
}

/// Writes the changed state as the new snapshot; the journal keeps only what is pending,
/// so that its records cannot undo this change when replayed.
fn write(store: &dyn StateStore, (mut state, pending): (State, Vec<super::Intent>)) -> Result<State, StateError> {
    state.bump_serial()?;
    store.commit(&state, &pending)?;
    Ok(state)
}

/// Forgets the instances the patterns select (a resource pattern selects all its
/// instances), without destroying anything, and returns them in the order removed.
/// Every pattern must select something, or nothing is removed.
pub fn remove(
    lock: &LockGuard<'_>,
    patterns: &[ResourceAddrPattern],
) -> Result<Vec<ResourceInstanceAddr>, StateOpError> {
    let (mut state, pending) = read(lock.store())?;
    let mut removed = Vec::new();
    for pattern in patterns {
        let selected: Vec<ResourceInstanceAddr> =
            state.resources.iter().filter(|r| matches(pattern, &r.address)).map(|r| r.address.clone()).collect();
        if selected.is_empty() {
            return Err(StateOpError::NoMatch(pattern_text(pattern)));
        }
        for addr in selected {
            state.remove(&addr);
            removed.push(addr);
        }
    }
    write(lock.store(), (state, pending))?;
    Ok(removed)
}

/// Gives an instance another address of the same resource type.
pub fn move_instance(
    lock: &LockGuard<'_>,
    from: &ResourceInstanceAddr,
    to: &ResourceInstanceAddr,
) -> Result<(), StateOpError> {
    let (mut state, pending) = read(lock.store())?;
    if from.resource.type_name != to.resource.type_name {
        return Err(StateOpError::TypeMismatch { from: Box::new(from.clone()), to: Box::new(to.clone()) });
    }
    if state.get(to).is_some() {
        return Err(StateOpError::TargetExists(to.clone()));
    }
    let Some(mut instance) = state.remove(from) else { return Err(StateOpError::NoMatch(from.to_string())) };
    instance.address = to.clone();
    state.set(instance);
    write(lock.store(), (state, pending))?;
    Ok(())
}

/// Marks an instance tainted (`tainted`) or clears the mark; the next plan replaces a
/// tainted instance.
pub fn set_tainted(lock: &LockGuard<'_>, addr: &ResourceInstanceAddr, tainted: bool) -> Result<(), StateOpError> {
    let (mut state, pending) = read(lock.store())?;
    let Some(mut instance) = state.get(addr).cloned() else { return Err(StateOpError::NoMatch(addr.to_string())) };
    if !tainted && !instance.tainted {
        return Err(StateOpError::NotTainted(addr.clone()));
    }
    instance.tainted = tainted;
    state.set(instance);
    write(lock.store(), (state, pending))?;
    Ok(())
}

/// The stored state with its journal folded in, for `gantry state pull`.
pub fn pull(store: &dyn StateStore) -> Result<State, StateError> {
    Ok(read(store)?.0)
}

/// Replaces the stored state with `pushed`, as `gantry state push` does. Unless `force`,
/// the pushed state must be of the same lineage, not older than the stored one, not a
/// different state at the same serial, and no unresolved change may be pending.
/// Returns the state as written.
pub fn push(lock: &LockGuard<'_>, mut pushed: State, force: bool) -> Result<State, StateOpError> {
    let stored = lock.store().read_journaled()?;
    if let (false, Some(current)) = (force, &stored) {
        if !current.pending.is_empty() {
            return Err(StateOpError::PendingChanges(current.pending.len()));
        }
        let current = &current.state;
        if current.lineage != pushed.lineage {
            return Err(StateOpError::OtherLineage { pushed: pushed.lineage, stored: current.lineage.clone() });
        }
        if pushed.serial < current.serial || (pushed.serial == current.serial && pushed != *current) {
            let same = if pushed.serial == current.serial { " (a different state at the same serial)" } else { "" };
            return Err(StateOpError::OlderSerial { pushed: pushed.serial, stored: current.serial, same });
        }
    }
    // Whatever the journal still says would otherwise be replayed onto the pushed state.
    pushed.serial = pushed.serial.max(stored.as_ref().map_or(0, |s| s.state.serial));
    pushed.resources.sort_by(|a, b| a.address.cmp(&b.address));
    Ok(write(lock.store(), (pushed, Vec::new()))?)
}

/// Records an instance that `engine::import` read from its provider; returns the new state.
pub fn record_import(lock: &LockGuard<'_>, instance: ResourceInstanceState) -> Result<State, StateOpError> {
    let (mut state, pending) = read(lock.store())?;
    if state.get(&instance.address).is_some() {
        return Err(StateOpError::AlreadyManaged(instance.address));
    }
    state.set(instance);
    Ok(write(lock.store(), (state, pending))?)
}

/// Releases a lock that another run left behind, if `id` is the one it holds; returns
/// what was removed.
pub fn force_unlock(store: &dyn StateStore, id: &str) -> Result<super::LockInfo, StateError> {
    store.force_unlock(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{try_lock, LocalStore, LockInfo};

    fn instance(addr: &str) -> ResourceInstanceState {
        ResourceInstanceState {
            address: addr.parse().unwrap(),
            provider: "local".into(),
            attributes: serde_json::json!({ "id": addr }),
            sensitive_paths: Vec::new(),
            dependencies: Vec::new(),
            create_before_destroy: false,
            tainted: false,
        }
    }

    fn store_with(dir: &std::path::Path, addrs: &[&str]) -> LocalStore {
        let store = LocalStore::new(dir.join("s.json"));
        let mut state = State::new();
        state.serial = 4;
        for a in addrs {
            state.set(instance(a));
        }
        store.write(&state).unwrap();
        store
    }

    fn addresses(store: &LocalStore) -> Vec<String> {
        store.read().unwrap().unwrap().resources.iter().map(|r| r.address.to_string()).collect()
    }

    fn pattern(s: &str) -> ResourceAddrPattern {
        ResourceAddrPattern::parse(s).unwrap()
    }

    #[test]
    fn rm_of_a_resource_removes_all_its_instances_and_bumps_the_serial() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(
            dir.path(),
            &["local_cluster.a[0]", "local_cluster.a[1]", "local_cluster.b", "local_cluster.ab"],
        );
        let lineage = store.read().unwrap().unwrap().lineage;
        let lock = try_lock(&store, "state rm").unwrap();
        let removed = remove(&lock, &[pattern("local_cluster.a")]).unwrap();
        assert_eq!(
            removed.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["local_cluster.a[0]", "local_cluster.a[1]"]
        );
        let state = store.read().unwrap().unwrap();
        assert_eq!(state.serial, 5);
        assert_eq!(state.lineage, lineage);
        assert_eq!(addresses(&store), ["local_cluster.ab", "local_cluster.b"]);
    }

    #[test]
    fn rm_of_an_instance_removes_only_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), &["local_cluster.a[0]", "local_cluster.a[1]"]);
        let lock = try_lock(&store, "state rm").unwrap();
        remove(&lock, &[pattern("local_cluster.a[1]")]).unwrap();
        assert_eq!(addresses(&store), ["local_cluster.a[0]"]);
    }

    #[test]
    fn rm_with_a_pattern_selecting_nothing_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), &["local_cluster.a", "local_cluster.b"]);
        let lock = try_lock(&store, "state rm").unwrap();
        let err = remove(&lock, &[pattern("local_cluster.a"), pattern("local_cluster.nope")]).unwrap_err();
        assert_eq!(err.to_string(), "No instance found for the given address: local_cluster.nope");
        assert_eq!(addresses(&store), ["local_cluster.a", "local_cluster.b"]);
        assert_eq!(store.read().unwrap().unwrap().serial, 4);
    }

    #[test]
    fn mv_refuses_an_existing_target_and_another_type() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), &["local_cluster.a", "local_cluster.b"]);
        let lock = try_lock(&store, "state mv").unwrap();
        let (a, b) = ("local_cluster.a".parse().unwrap(), "local_cluster.b".parse().unwrap());
        let err = move_instance(&lock, &a, &b).unwrap_err();
        assert!(matches!(&err, StateOpError::TargetExists(t) if t == &b), "{err}");
        assert_eq!(err.to_string(), "cannot move to local_cluster.b: that address already exists in state");
        let pool = "local_node_pool.a".parse().unwrap();
        assert!(matches!(move_instance(&lock, &a, &pool), Err(StateOpError::TypeMismatch { .. })));
        assert_eq!(store.read().unwrap().unwrap().serial, 4, "a refused move writes nothing");

        let c: ResourceInstanceAddr = "local_cluster.c".parse().unwrap();
        move_instance(&lock, &a, &c).unwrap();
        let state = store.read().unwrap().unwrap();
        assert_eq!(state.serial, 5);
        assert_eq!(addresses(&store), ["local_cluster.b", "local_cluster.c"]);
        assert_eq!(state.get(&c).unwrap().attributes["id"], "local_cluster.a", "the instance keeps its attributes");
        assert!(matches!(move_instance(&lock, &a, &c), Err(StateOpError::TargetExists(_))));
        let d = "local_cluster.d".parse().unwrap();
        assert!(matches!(move_instance(&lock, &a, &d), Err(StateOpError::NoMatch(_))));
    }

    #[test]
    fn import_records_the_instance_and_bumps_the_serial() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), &["local_cluster.a"]);
        let lock = try_lock(&store, "import").unwrap();
        let state = record_import(&lock, instance("local_cluster.b")).unwrap();
        assert_eq!(state.serial, 5);
        assert_eq!(addresses(&store), ["local_cluster.a", "local_cluster.b"]);
        assert!(matches!(record_import(&lock, instance("local_cluster.b")), Err(StateOpError::AlreadyManaged(_))));
    }

    #[test]
    fn force_unlock_needs_the_holders_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("s.json"));
        let held = store.lock(LockInfo::new("apply", "s.json")).unwrap();
        assert!(matches!(force_unlock(&store, "other"), Err(StateError::NoSuchLock(_))));
        force_unlock(&store, &held.id).unwrap();
        try_lock(&store, "plan").unwrap();
    }
}
