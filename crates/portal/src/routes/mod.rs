pub mod health;
pub mod sign_in_options;
