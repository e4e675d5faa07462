//! A process tree's memory, from `/proc/<pid>/smaps_rollup` (Linux): what each process maps
//! resident (RSS), its proportional share of pages shared with other processes (PSS), and
//! the pages only it maps (USS = Private_Clean + Private_Dirty).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

/// Kibibytes, as smaps_rollup counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Footprint {
    pub rss: u64,
    pub pss: u64,
    pub uss: u64,
    /// PSS of anonymous memory (heaps, stacks, JIT), of file mappings (libraries, fonts,
    /// the binary) and of shared memory: what PSS is made of.
    pub pss_anon: u64,
    pub pss_file: u64,
    pub pss_shmem: u64,
}

impl std::ops::AddAssign for Footprint {
    fn add_assign(&mut self, other: Self) {
        self.rss += other.rss;
        self.pss += other.pss;
        self.uss += other.uss;
        self.pss_anon += other.pss_anon;
        self.pss_file += other.pss_file;
        self.pss_shmem += other.pss_shmem;
    }
}

/// One process of the tree: its id, its name (`comm`) and its footprint.
#[derive(Debug, Clone)]
pub struct ProcessMemory {
    pub pid: u32,
    pub name: String,
    pub footprint: Footprint,
}

/// The footprint of `smaps_rollup`'s text.
pub fn parse_rollup(text: &str) -> Footprint {
    let mut footprint = Footprint::default();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (Some(key), Some(value)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(kib) = value.parse::<u64>() else {
            continue;
        };
        match key {
            "Rss:" => footprint.rss = kib,
            "Pss:" => footprint.pss = kib,
            "Private_Clean:" | "Private_Dirty:" => footprint.uss += kib,
            "Pss_Anon:" => footprint.pss_anon = kib,
            "Pss_File:" => footprint.pss_file = kib,
            "Pss_Shmem:" => footprint.pss_shmem = kib,
            _ => {}
        }
    }
    footprint
}

/// The parent's id in a `/proc/<pid>/stat` line (its fourth field, after the name in
/// parentheses, which may itself hold spaces and parentheses).
fn parent_of(stat: &str) -> Option<u32> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// Every process's id and its `/proc` folder.
fn processes() -> Result<Vec<(u32, std::fs::DirEntry)>> {
    let mut processes = Vec::new();
    for entry in std::fs::read_dir("/proc").context("cannot list /proc")? {
        let Ok(entry) = entry else { continue };
        if let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse().ok())
        {
            processes.push((pid, entry));
        }
    }
    Ok(processes)
}

/// `root` and every process descended from it, in the order of their ids.
pub fn process_tree(root: u32) -> Result<Vec<u32>> {
    let mut children: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (pid, entry) in processes()? {
        // A process may be gone between the listing and the read.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some(parent) = parent_of(&stat) {
            children.entry(parent).or_default().push(pid);
        }
    }
    let mut tree = vec![root];
    let mut next = 0;
    while let Some(&pid) = tree.get(next) {
        tree.extend(children.get(&pid).into_iter().flatten());
        next += 1;
    }
    tree.sort_unstable();
    Ok(tree)
}

/// Every process of the tree under `root` (itself included) with its footprint.
pub fn tree_memory(root: u32) -> Result<Vec<ProcessMemory>> {
    let mut processes = Vec::new();
    for pid in process_tree(root)? {
        let dir = Path::new("/proc").join(pid.to_string());
        let Ok(rollup) = std::fs::read_to_string(dir.join("smaps_rollup")) else {
            // Gone since the listing: it holds nothing any more.
            continue;
        };
        let name = std::fs::read_to_string(dir.join("comm"))
            .map(|name| name.trim().to_owned())
            .unwrap_or_default();
        processes.push(ProcessMemory {
            pid,
            name,
            footprint: parse_rollup(&rollup),
        });
    }
    Ok(processes)
}

/// Processes outside `tree` that map a file whose name contains `library` (a shared
/// library's pages they touch are then shared with them: this tree's PSS and USS read lower
/// than when it runs alone).
pub fn others_mapping(tree: &[u32], library: &str) -> Result<Vec<u32>> {
    let mut others = Vec::new();
    for (pid, entry) in processes()? {
        if tree.contains(&pid) {
            continue;
        }
        // Gone, or not ours to read: either way not counted.
        let Ok(maps) = std::fs::read_to_string(entry.path().join("maps")) else {
            continue;
        };
        if maps.contains(library) {
            others.push(pid);
        }
    }
    Ok(others)
}

/// The sum over processes.
pub fn total(processes: &[ProcessMemory]) -> Footprint {
    let mut sum = Footprint::default();
    for process in processes {
        sum += process.footprint;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_rollup() {
        let text = "55d0c0a00000-7ffd5d7fe000 ---p 00000000 00:00 0 [rollup]\n\
                    Rss:              120000 kB\n\
                    Pss:               80000 kB\n\
                    Pss_Dirty:         50000 kB\n\
                    Pss_Anon:          45000 kB\n\
                    Pss_File:          30000 kB\n\
                    Pss_Shmem:          5000 kB\n\
                    Shared_Clean:      40000 kB\n\
                    Shared_Dirty:       2000 kB\n\
                    Private_Clean:     10000 kB\n\
                    Private_Dirty:     60000 kB\n";
        assert_eq!(
            parse_rollup(text),
            Footprint {
                rss: 120_000,
                pss: 80_000,
                uss: 70_000,
                pss_anon: 45_000,
                pss_file: 30_000,
                pss_shmem: 5_000,
            }
        );
    }

    #[test]
    fn finds_the_parent_past_a_name_with_parentheses() {
        assert_eq!(parent_of("42 (Web (Content) x) S 7 42 42 0 -1"), Some(7));
        assert_eq!(parent_of("garbage"), None);
    }

    #[test]
    fn the_tree_of_this_process_holds_it() -> Result<()> {
        let tree = process_tree(std::process::id())?;
        assert!(tree.contains(&std::process::id()));
        Ok(())
    }
}
