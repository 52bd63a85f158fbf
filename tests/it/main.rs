mod align;
mod pan13;
