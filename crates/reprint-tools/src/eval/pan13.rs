//! The PAN 2013 text alignment corpus: pairs, ground truth and detection files.
//!
//! Layout: `src/` and `susp/` hold the documents; `pairs` lists
//! `suspicious-documentX.txt source-documentY.txt` per line; each sub-corpus
//! directory (`02-no-obfuscation`, ...) has its own `pairs` file and one truth file
//! per pair, `suspicious-documentX-source-documentY.xml`, whose
//! `<feature name="plagiarism" this_offset this_length source_offset source_length>`
//! elements give the cases in characters (code points).

use super::{plagdet, Annotation, CharRange, Plagdet};
use quick_xml::events::Event;
use reprint::error::{Error, Result};
use std::path::{Path, PathBuf};

/// One pair of the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// File name of the suspicious document (in `susp/`).
    pub susp: String,
    /// File name of the source document (in `src/`).
    pub src: String,
    /// Index into [`Corpus::subcorpora`], when a sub-corpus lists the pair.
    pub subcorpus: Option<usize>,
}

/// The corpus: its pairs, sub-corpora and cases.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// The corpus directory.
    pub root: PathBuf,
    /// Sub-corpus directory names, sorted.
    pub subcorpora: Vec<String>,
    /// Pairs in the order of the top-level `pairs` file.
    pub pairs: Vec<Pair>,
    /// All plagiarism cases; `pair` indexes [`pairs`](Self::pairs).
    pub cases: Vec<Annotation>,
}

fn format_err(path: &Path, message: impl Into<String>) -> Error {
    Error::Corrupt {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn read_pairs(path: &Path) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        match (parts.next(), parts.next(), parts.next()) {
            (Some(s), Some(r), None) => out.push((s.to_string(), r.to_string())),
            _ => {
                return Err(format_err(
                    path,
                    format!("line {}: expected two file names", n + 1),
                ))
            }
        }
    }
    Ok(out)
}

fn stem(name: &str) -> &str {
    name.strip_suffix(".txt").unwrap_or(name)
}

/// The file name of the truth or detection file of a pair.
pub fn pair_file_name(susp: &str, src: &str) -> String {
    format!("{}-{}.xml", stem(susp), stem(src))
}

/// Parses a truth file: the `plagiarism` features as annotations of pair `pair`.
pub fn parse_truth(xml: &str, pair: usize, path: &Path) -> Result<Vec<Annotation>> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format_err(path, format!("XML: {e}")))?;
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"feature" => {
                let mut name = None;
                let mut nums = [None::<usize>; 4];
                for attr in e.attributes() {
                    let attr = attr.map_err(|e| format_err(path, format!("XML: {e}")))?;
                    let value = attr
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| format_err(path, format!("XML: {e}")))?;
                    let slot = match attr.key.as_ref() {
                        b"name" => {
                            name = Some(value.to_string());
                            continue;
                        }
                        b"this_offset" => 0,
                        b"this_length" => 1,
                        b"source_offset" => 2,
                        b"source_length" => 3,
                        _ => continue,
                    };
                    let n = value.trim().parse::<usize>().map_err(|_| {
                        format_err(path, format!("attribute value {value:?} is not a number"))
                    })?;
                    nums[slot] = Some(n);
                }
                if name.as_deref() != Some("plagiarism") {
                    continue;
                }
                match nums {
                    [Some(to), Some(tl), Some(so), Some(sl)] => out.push(Annotation {
                        pair,
                        this: CharRange {
                            offset: to,
                            length: tl,
                        },
                        source: CharRange {
                            offset: so,
                            length: sl,
                        },
                    }),
                    _ => return Err(format_err(path, "plagiarism feature lacks offsets")),
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

impl Corpus {
    /// Reads the pair lists and all truth files of the corpus at `root`.
    pub fn load(root: &Path) -> Result<Corpus> {
        let top = read_pairs(&root.join("pairs"))?;
        let mut subcorpora: Vec<String> = std::fs::read_dir(root)
            .map_err(|e| Error::io(root, e))?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("pairs").is_file())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .collect();
        subcorpora.sort();
        let mut index = std::collections::HashMap::new();
        for (k, sub) in subcorpora.iter().enumerate() {
            for p in read_pairs(&root.join(sub).join("pairs"))? {
                index.insert(p, k);
            }
        }
        let mut pairs = Vec::with_capacity(top.len());
        let mut cases = Vec::new();
        for (n, (susp, src)) in top.into_iter().enumerate() {
            let subcorpus = index.get(&(susp.clone(), src.clone())).copied();
            if let Some(k) = subcorpus {
                let path = root.join(&subcorpora[k]).join(pair_file_name(&susp, &src));
                let xml = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
                cases.extend(parse_truth(&xml, n, &path)?);
            }
            pairs.push(Pair {
                susp,
                src,
                subcorpus,
            });
        }
        Ok(Corpus {
            root: root.to_path_buf(),
            subcorpora,
            pairs,
            cases,
        })
    }

    /// The corpus restricted to the first `n` pairs of every sub-corpus (in the
    /// order of the top-level `pairs` file), for quick deterministic checks.
    pub fn sample(&self, n: usize) -> Corpus {
        let mut taken = vec![0usize; self.subcorpora.len()];
        let mut remap = vec![None; self.pairs.len()];
        let mut pairs = Vec::new();
        for (k, p) in self.pairs.iter().enumerate() {
            if let Some(sub) = p.subcorpus {
                if taken[sub] < n {
                    taken[sub] += 1;
                    remap[k] = Some(pairs.len());
                    pairs.push(p.clone());
                }
            }
        }
        let cases = self
            .cases
            .iter()
            .filter_map(|c| remap[c.pair].map(|pair| Annotation { pair, ..*c }))
            .collect();
        Corpus {
            root: self.root.clone(),
            subcorpora: self.subcorpora.clone(),
            pairs,
            cases,
        }
    }

    /// Path of a suspicious document.
    pub fn susp_path(&self, name: &str) -> PathBuf {
        self.root.join("susp").join(name)
    }

    /// Path of a source document.
    pub fn src_path(&self, name: &str) -> PathBuf {
        self.root.join("src").join(name)
    }

    /// Scores detections per sub-corpus and for the entire corpus.
    pub fn score(&self, detections: &[Annotation]) -> Report {
        let mut rows = Vec::new();
        for (k, name) in self.subcorpora.iter().enumerate() {
            let in_sub = |a: &&Annotation| self.pairs[a.pair].subcorpus == Some(k);
            let cases: Vec<Annotation> = self.cases.iter().filter(in_sub).copied().collect();
            let dets: Vec<Annotation> = detections.iter().filter(in_sub).copied().collect();
            rows.push(ReportRow {
                name: name.clone(),
                pairs: self.pairs.iter().filter(|p| p.subcorpus == Some(k)).count(),
                score: plagdet(&cases, &dets),
            });
        }
        Report {
            rows,
            entire: ReportRow {
                name: "entire".into(),
                pairs: self.pairs.len(),
                score: plagdet(&self.cases, detections),
            },
        }
    }
}

/// One line of an evaluation report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReportRow {
    /// Sub-corpus name, or `entire`.
    pub name: String,
    /// Number of document pairs.
    pub pairs: usize,
    /// The measures.
    pub score: Plagdet,
}

/// Scores per sub-corpus and for the entire corpus.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// One row per sub-corpus.
    pub rows: Vec<ReportRow>,
    /// The entire corpus.
    pub entire: ReportRow,
}

/// Converts a byte offset into `text` into a character (code point) offset.
pub fn char_offset(text: &str, byte: usize) -> usize {
    text.get(..byte)
        .map_or_else(|| text.chars().count(), |s| s.chars().count())
}

/// The detection file of one pair in PAN format.
pub fn detection_xml(pair: &Pair, detections: &[Annotation]) -> String {
    let mut s = format!("<document reference=\"{}\">\n", pair.susp);
    for d in detections {
        s.push_str(&format!(
            "<feature name=\"detected-plagiarism\" this_offset=\"{}\" this_length=\"{}\" source_reference=\"{}\" source_offset=\"{}\" source_length=\"{}\"/>\n",
            d.this.offset, d.this.length, pair.src, d.source.offset, d.source.length
        ));
    }
    s.push_str("</document>\n");
    s
}

/// Writes one detection file per pair into `dir` (created if missing).
pub fn write_detections(dir: &Path, pairs: &[Pair], detections: &[Annotation]) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut per_pair: Vec<Vec<Annotation>> = vec![Vec::new(); pairs.len()];
    for d in detections {
        if let Some(v) = per_pair.get_mut(d.pair) {
            v.push(*d);
        }
    }
    for (pair, dets) in pairs.iter().zip(&per_pair) {
        let path = dir.join(pair_file_name(&pair.susp, &pair.src));
        // Written beside its final name and renamed, so a file is either whole or absent.
        let mut builder = tempfile::Builder::new();
        builder.prefix(".detection.");
        #[cfg(unix)]
        {
            // The mode of any new file (0666 less the umask), not a temporary's 0600.
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let mut tmp = builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
        std::io::Write::write_all(&mut tmp, detection_xml(pair, dets).as_bytes())
            .map_err(|e| Error::io(&path, e))?;
        tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truth_features_parse() {
        let xml = r#"<document reference="suspicious-document00005.txt">
<feature name="about" authors="x" />
<feature name="plagiarism" obfuscation="none" source_length="698" source_offset="1300" source_reference="source-document01090.txt" this_length="698" this_offset="3593" type="artificial" />
</document>"#;
        let cases = parse_truth(xml, 7, Path::new("t.xml")).unwrap();
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].pair, 7);
        assert_eq!(
            cases[0].this,
            CharRange {
                offset: 3593,
                length: 698
            }
        );
        assert_eq!(
            cases[0].source,
            CharRange {
                offset: 1300,
                length: 698
            }
        );
    }

    #[test]
    fn bad_numbers_are_errors() {
        let xml = r#"<document><feature name="plagiarism" this_offset="x" this_length="1" source_offset="0" source_length="1"/></document>"#;
        assert!(parse_truth(xml, 0, Path::new("t.xml")).is_err());
    }

    #[test]
    fn detection_file_round_trips() {
        let pair = Pair {
            susp: "suspicious-document00001.txt".into(),
            src: "source-document00002.txt".into(),
            subcorpus: None,
        };
        let d = Annotation {
            pair: 0,
            this: CharRange {
                offset: 5,
                length: 10,
            },
            source: CharRange {
                offset: 7,
                length: 12,
            },
        };
        let xml = detection_xml(&pair, &[d]);
        let back = parse_truth(
            &xml.replace("detected-plagiarism", "plagiarism"),
            0,
            Path::new("d.xml"),
        )
        .unwrap();
        assert_eq!(back, vec![d]);
        assert_eq!(
            pair_file_name(&pair.susp, &pair.src),
            "suspicious-document00001-source-document00002.xml"
        );
    }

    #[test]
    fn char_offsets_count_code_points() {
        assert_eq!(char_offset("héllo", 3), 2);
        assert_eq!(char_offset("abc", 3), 3);
    }
}
