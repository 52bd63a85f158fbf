//! What a scan is asked to do: [`ScanConfig`].

use crate::align::AlignConfig;
use crate::error::{Error, Result};
use crate::input::InputConfig;
use crate::scan::boilerplate::BoilerplateConfig;
use crate::scan::candidates::CandidateConfig;
use crate::text::NormalizeConfig;

/// Everything a scan needs to know.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScanConfig {
    /// How records map onto documents (`date_field` enables the likely-source guess).
    #[serde(skip)]
    pub input: InputConfig,
    /// How words are normalised into keys.
    pub normalize: NormalizeConfig,
    /// Candidate pairs from the n-gram index.
    pub candidates: CandidateConfig,
    /// Passage alignment of candidate pairs.
    #[serde(skip)]
    pub align: AlignConfig,
    /// Line-level boilerplate detection.
    pub boilerplate: BoilerplateConfig,
    /// Occurrences in one document overlapping by this share of the shorter one are
    /// the same passage.
    pub min_overlap: f64,
    /// Candidate pairs aligned together between two rounds of freeing document
    /// analyses: smaller blocks hold fewer analyses at once, larger ones keep both
    /// cores busier. The report does not depend on it.
    pub align_block_pairs: usize,
    /// Stop at the first input issue.
    pub strict: bool,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            input: InputConfig::default(),
            normalize: NormalizeConfig::default(),
            candidates: CandidateConfig::default(),
            align: AlignConfig::default(),
            boilerplate: BoilerplateConfig::default(),
            min_overlap: 0.5,
            align_block_pairs: 8192,
            strict: false,
        }
    }
}

impl ScanConfig {
    /// Checks that the parameters make sense together.
    pub fn validate(&self) -> Result<()> {
        if self.candidates.ngram_words == 0 || self.candidates.min_shared == 0 {
            return Err(Error::Config(
                "n-gram size and shared n-grams must be at least 1".into(),
            ));
        }
        if self.candidates.max_df < 2 {
            return Err(Error::Config(
                "max document frequency must be at least 2".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.min_overlap) {
            return Err(Error::Config("min overlap must be in [0, 1]".into()));
        }
        Ok(())
    }
}
