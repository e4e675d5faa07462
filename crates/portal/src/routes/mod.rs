pub mod auth;
pub mod broker;
pub mod health;
pub mod login_steps;
pub mod security;
pub mod sign_in_options;
pub mod sip_profile;
pub mod token;
