//! The words a row uses for what a start sealed and what that seal gives the container.

use crate::named::named_enum;

named_enum! {
    /// How the image a container could reach through /proc/<pid>/exe was sealed.
    pub enum SealPath, "seal path" {
        /// The host binary itself, writable by whoever reaches it.
        None = "none",
        /// A sealed memfd copy.
        Memfd = "memfd",
        /// An unlinked O_TMPFILE copy.
        Tmpfile = "tmpfile",
        /// The host binary's inode through a read-only bind mount made in the runtime's
        /// own mount namespace for the start and detached at once (runc 1.1's bindfd):
        /// each start is mount events in that namespace.
        Bindfd = "bindfd",
        /// The host binary's inode through a read-only mount that no mount table lists
        /// and whose making no watched namespace saw: open_tree(OPEN_TREE_CLONE)'s clone,
        /// or a bind made in a throwaway namespace. From the container's side the two are
        /// the same thing, so they are one word.
        DetachedRo = "detached-ro",
        /// A read-only mount still in the table (a bind kept for the whole run).
        RoMount = "ro-mount",
        /// A file of a read-only overlayfs over the binary's directory.
        Overlayfs = "overlayfs",
        /// None of the above, or the process could not be inspected.
        Unknown = "unknown",
    }
}

named_enum! {
    /// What a seal gives the container: pages of its own, or the host's.
    pub enum Data, "data" {
        /// The executed image has pages of its own: a change to the host binary's cached
        /// pages does not reach it.
        Independent = "independent",
        /// The executed image is the host binary's cached pages.
        Shared = "shared",
    }
}

named_enum! {
    /// A runc build made by scripts/build-runc.sh: the release as it is, or one of the
    /// seed's three variants of it.
    pub enum BuildVariant, "build variant" {
        /// The release as it is.
        Shipped = "shipped",
        /// runc believes it is already sealed and executes its binary as it is.
        Noclone = "noclone",
        /// overlayfs skipped: the sealed memfd copy per start.
        Memfd = "memfd",
        /// overlayfs only, its failure fatal.
        Overlayfs = "overlayfs",
    }
}
