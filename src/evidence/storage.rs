//! Where evidence files live: through the `object_store` crate, a directory under the data
//! directory by default (`LocalFileSystem`), or an S3-compatible bucket when one is configured
//! (AWS S3, MinIO, Ceph, …). Files are stored under generated keys
//! (`evidence/{assessment}/{file id}`), never under a name a person chose.

use std::fmt;
use std::path::Path as FsPath;
use std::sync::Arc;

use axum::body::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

/// Gives rustls (and so reqwest, which `object_store` talks to S3 through) its cryptography
/// provider, `ring`, the one lettre's TLS uses too. Call before any HTTP client is built; more
/// calls do nothing.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Fails only when a provider is installed already, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Largest evidence file by default, in MB (`--evidence-max-mb`).
pub const DEFAULT_MAX_MB: u64 = 50;

/// An S3-compatible bucket. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    /// For S3-compatible servers: `http://127.0.0.1:9000`, `https://s3.council.example`. None
    /// for AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    /// From `SELFASSESS_S3_ACCESS_KEY_ID` / `SELFASSESS_S3_SECRET_ACCESS_KEY`; when absent, the
    /// usual AWS sources (`AWS_ACCESS_KEY_ID`, instance roles) are tried.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint.as_deref().map(crate::config::redact))
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id.as_ref().map(|_| "****"))
            .field("secret_access_key", &self.secret_access_key.as_ref().map(|_| "****"))
            .finish()
    }
}

impl fmt::Display for S3Config {
    /// `s3://bucket (endpoint, region)`: nothing secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{} (", self.bucket)?;
        if let Some(endpoint) = &self.endpoint {
            write!(f, "{}, ", crate::config::redact(endpoint))?;
        }
        write!(f, "region {})", self.region)
    }
}

/// The evidence library's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceConfig {
    /// A bucket, or `None` for `<data-dir>/evidence`.
    pub s3: Option<S3Config>,
    /// Largest file, in bytes.
    pub max_upload_bytes: usize,
    /// How many months before the assessment's date an item may be dated (per assessment, it
    /// can be changed).
    pub currency_months: u32,
}

impl Default for EvidenceConfig {
    fn default() -> Self {
        EvidenceConfig {
            s3: None,
            max_upload_bytes: mb(DEFAULT_MAX_MB),
            currency_months: super::domain::DEFAULT_CURRENCY_MONTHS,
        }
    }
}

pub fn mb(mb: u64) -> usize {
    usize::try_from(mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot create the evidence directory {path}: {source}")]
    Directory { path: String, source: std::io::Error },
    #[error("the evidence store is misconfigured: {0}")]
    Config(String),
    #[error("the evidence store failed: {0}")]
    Store(#[from] object_store::Error),
    #[error("reading the uploaded file failed: {0}")]
    Io(#[from] std::io::Error),
}

/// The file store the app uses.
#[derive(Clone)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
    /// For logs and the readiness of people's minds: "directory ./data/evidence", "s3://…".
    describe: String,
}

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe)
    }
}

impl FileStore {
    /// A directory (created if need be).
    pub fn local(dir: &FsPath) -> Result<Self, StorageError> {
        std::fs::create_dir_all(dir)
            .map_err(|source| StorageError::Directory { path: dir.display().to_string(), source })?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)?;
        Ok(FileStore { inner: Arc::new(store), describe: format!("directory {}", dir.display()) })
    }

    /// An S3-compatible bucket.
    pub fn s3(config: &S3Config) -> Result<Self, StorageError> {
        install_crypto_provider();
        let mut builder = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region);
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        if let (Some(id), Some(secret)) = (&config.access_key_id, &config.secret_access_key) {
            builder = builder.with_access_key_id(id).with_secret_access_key(secret);
        }
        let store = builder.build().map_err(|e| StorageError::Config(e.to_string()))?;
        Ok(FileStore { inner: Arc::new(store), describe: config.to_string() })
    }

    /// In memory: for states made without a configuration (tests of other parts).
    pub fn memory() -> Self {
        FileStore { inner: Arc::new(object_store::memory::InMemory::new()), describe: "memory".into() }
    }

    /// The store for a configuration: its bucket, or `<data-dir>/evidence`.
    pub fn from_config(config: &EvidenceConfig, data_dir: &FsPath) -> Result<Self, StorageError> {
        match &config.s3 {
            Some(s3) => FileStore::s3(s3),
            None => FileStore::local(&data_dir.join("evidence")),
        }
    }

    pub fn describe(&self) -> &str {
        &self.describe
    }

    /// A new key for a file of an assessment.
    pub fn new_key(assessment_id: Uuid) -> String {
        format!("evidence/{assessment_id}/{}", Uuid::now_v7())
    }

    fn path(key: &str) -> Result<Path, StorageError> {
        Path::parse(key).map_err(|e| StorageError::Config(e.to_string()))
    }

    /// Copies a local file into the store under `key`, streaming (multipart uploads for large
    /// files on S3).
    pub async fn put_file(&self, key: &str, file: &FsPath) -> Result<(), StorageError> {
        use tokio::io::AsyncReadExt;
        let mut reader = tokio::fs::File::open(file).await?;
        let mut writer = object_store::buffered::BufWriter::new(self.inner.clone(), Self::path(key)?);
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            let n = reader.read(&mut buffer).await?;
            if n == 0 {
                break;
            }
            if let Err(e) = writer.write_all(&buffer[..n]).await {
                let _ = writer.abort().await;
                return Err(e.into());
            }
        }
        writer.shutdown().await?;
        Ok(())
    }

    /// Stores bytes under `key`.
    pub async fn put_bytes(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        self.inner.put(&Self::path(key)?, bytes.into()).await?;
        Ok(())
    }

    /// The file under `key`, as a stream of chunks, and its size.
    pub async fn get(
        &self,
        key: &str,
    ) -> Result<(BoxStream<'static, Result<Bytes, std::io::Error>>, u64), StorageError> {
        let result = self.inner.get(&Self::path(key)?).await?;
        let size = result.meta.size;
        let stream = result.into_stream().map(|chunk| chunk.map_err(std::io::Error::other)).boxed();
        Ok((stream, size))
    }

    /// The whole file under `key`.
    pub async fn get_bytes(&self, key: &str) -> Result<Bytes, StorageError> {
        Ok(self.inner.get(&Self::path(key)?).await?.bytes().await?)
    }

    /// Removes the file under `key` (a file already gone is not an error).
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.inner.delete(&Self::path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// The evidence library's part of the app's state.
#[derive(Clone, Debug)]
pub struct Evidence {
    pub files: FileStore,
    pub max_upload_bytes: usize,
    pub currency_months: u32,
}

impl Evidence {
    pub fn new(files: FileStore, config: &EvidenceConfig) -> Self {
        Evidence { files, max_upload_bytes: config.max_upload_bytes, currency_months: config.currency_months }
    }
}

impl Default for Evidence {
    fn default() -> Self {
        Evidence::new(FileStore::memory(), &EvidenceConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_never_shown() {
        let config = S3Config {
            bucket: "evidence".into(),
            endpoint: Some("http://user:pw@127.0.0.1:9000".into()),
            region: "eu-west-2".into(),
            access_key_id: Some("AKIAEXAMPLE".into()),
            secret_access_key: Some("hunter2-secret".into()),
        };
        for text in [format!("{config:?}"), config.to_string()] {
            assert!(
                !text.contains("hunter2") && !text.contains("AKIAEXAMPLE") && !text.contains(":pw@"),
                "{text}"
            );
        }
    }

    #[tokio::test]
    async fn a_local_directory_round_trip() {
        let dir = tempfile::tempdir().expect("dir");
        let store = FileStore::local(&dir.path().join("evidence")).expect("store");
        let source = dir.path().join("upload");
        std::fs::write(&source, b"hello evidence").expect("write");
        let key = FileStore::new_key(Uuid::now_v7());
        store.put_file(&key, &source).await.expect("put");
        assert_eq!(store.get_bytes(&key).await.expect("get").as_ref(), b"hello evidence");
        let (stream, size) = store.get(&key).await.expect("get");
        assert_eq!(size, 14);
        let chunks: Vec<_> = stream.collect().await;
        assert_eq!(chunks.len(), 1);
        store.delete(&key).await.expect("delete");
        store.delete(&key).await.expect("deleting twice is fine");
        assert!(store.get_bytes(&key).await.is_err());
    }
}
