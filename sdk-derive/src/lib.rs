//! `#[derive(Model)]`: a Terraform object (resource state, data source, action configuration…)
//! declared once, as a Rust struct whose fields carry their schema.
//!
//! ```ignore
//! #[derive(Clone, Debug, Default, PartialEq, Model)]
//! pub struct Thing {
//!     #[attr(computed, describe = "The id.")]
//!     pub id: Attr<String>,
//!     #[attr(name = "type", optional, describe = "What kind.", validate = OneOf(&["a", "b"]))]
//!     pub kind: Attr<String>,
//!     #[block]
//!     pub timeouts: Timeouts,
//!     #[flatten]
//!     pub common: CommonFields,
//! }
//! ```
//!
//! yields `Thing::ID`, `Thing::TYPE` (the attribute names), the schema attributes and blocks
//! (`Model::attributes`, `Model::blocks`), and the conversions from and to the SDK's `Value`
//! (`Model::from_object`, `Model::to_object`). In `#[attr(…)]`, a bare word `w` calls the
//! attribute builder's `.w()` and `w = expr` calls `.w(expr)`, so every builder method
//! (`required`, `default`, `validate`, `write_only`…) is available; `name = "…"` sets the
//! attribute name when it is not the field's.
//!
//! The generated code names the SDK as `::agent37_provider::sdk`, which the provider crate
//! makes resolvable inside itself with `extern crate self as agent37_provider`.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Data, DeriveInput, Expr, Fields, Ident, Lit, Token, Type};

#[proc_macro_derive(Model, attributes(attr, block, flatten))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// One item of `#[attr(…)]`: `word` or `word = expr`.
struct Item {
    key: Ident,
    value: Option<Expr>,
}

impl Parse for Item {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key: Ident = input.parse()?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        Ok(Item { key, value })
    }
}

/// What a field is in the schema.
enum Role {
    /// An attribute: its name and the builder calls that follow `Attribute::of`.
    Attribute { name: String, calls: Vec<Tokens> },
    /// A nested block (the field's type says which, e.g. `Timeouts`).
    Block { name: String },
    /// Another model's attributes, at this level.
    Flatten,
}

struct FieldSpec {
    ident: Ident,
    ty: Type,
    role: Role,
}

fn expand(input: &DeriveInput) -> syn::Result<Tokens> {
    let name = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "derive(Model) does not support generic structs",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            input,
            "derive(Model) only applies to structs",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(
            &data.fields,
            "derive(Model) needs named fields",
        ));
    };
    let specs = fields
        .named
        .iter()
        .map(field_spec)
        .collect::<syn::Result<Vec<_>>>()?;

    let m = quote!(::agent37_provider::sdk::model);
    let sdk = quote!(::agent37_provider::sdk);

    let mut consts = Vec::new();
    let mut schema = Vec::new();
    // Reads and writes are generated in attribute-name order (flattened models last): the
    // members of a value are sorted by name, so each read finds its member at the position
    // after the previous one, and each write is a push.
    let mut reads: Vec<(Option<String>, Tokens)> = Vec::new();
    let mut writes: Vec<(Option<String>, Tokens)> = Vec::new();
    let mut inits = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for FieldSpec { ident, ty, role } in &specs {
        let named = match role {
            Role::Attribute { name, calls } => Some((
                name,
                quote! {
                    __attributes.push(<#ty as #m::AttributeField>::attribute(#name) #(#calls)*);
                },
                format!("`{name}`"),
            )),
            Role::Block { name } => Some((
                name,
                quote! {
                    __blocks.push(<#ty as #m::BlockField>::nested_block(#name));
                },
                format!("`{name}` (a block)"),
            )),
            Role::Flatten => None,
        };
        match named {
            Some((name, declare, doc)) => {
                if seen.contains(name) {
                    return Err(syn::Error::new_spanned(
                        ident,
                        format!("attribute {name:?} is declared twice"),
                    ));
                }
                seen.push(name.clone());
                let konst = const_ident(name, ident.span());
                consts.push(quote! {
                    #[doc = #doc]
                    pub const #konst: &'static str = #name;
                });
                schema.push(declare);
                reads.push((
                    Some(name.clone()),
                    quote! {
                        let #ident = <#ty as #m::Field>::from_value(
                            #m::attr_hinted(__members, #name, &mut __hint),
                            &#sdk::Path::root(),
                        )
                        .map_err(|__e| __e.within_attr(__at, #name))?;
                    },
                ));
                writes.push((
                    Some(name.clone()),
                    quote! {
                        __out.insert(#name.to_string(), #m::Field::to_value(&self.#ident));
                    },
                ));
            }
            None => {
                schema.push(quote! {
                    __attributes.extend(<#ty as #m::Model>::attributes());
                    __blocks.extend(<#ty as #m::Model>::blocks());
                });
                reads.push((
                    None,
                    quote! {
                        let #ident = <#ty as #m::Model>::from_object(__value, __at)?;
                    },
                ));
                writes.push((
                    None,
                    quote! {
                        __out.extend(#m::Model::to_object(&self.#ident));
                    },
                ));
            }
        }
    }

    for FieldSpec { ident, .. } in &specs {
        inits.push(quote!(#ident,));
    }
    // Named members in name order, then the flattened models.
    let by_name = |items: &mut Vec<(Option<String>, Tokens)>| {
        items.sort_by(|a, b| match (&a.0, &b.0) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        items.drain(..).map(|(_, t)| t).collect::<Vec<_>>()
    };
    let capacity = reads.iter().filter(|(n, _)| n.is_some()).count();
    let reads = by_name(&mut reads);
    let writes = by_name(&mut writes);

    Ok(quote! {
        impl #name {
            #(#consts)*

            /// This object as an SDK value.
            pub fn to_value(&self) -> #sdk::Value {
                #sdk::Value::Object(#m::Model::to_object(self))
            }

            /// Reads this object from an SDK value (null reads as every attribute null).
            pub fn from_value(
                __value: &#sdk::Value,
            ) -> ::std::result::Result<Self, #m::ModelError> {
                #m::object_from_value::<#name>(__value)
            }
        }

        impl #m::Model for #name {
            fn attributes() -> ::std::vec::Vec<#sdk::schema::Attribute> {
                let mut __attributes = ::std::vec::Vec::new();
                let mut __blocks: ::std::vec::Vec<#sdk::schema::NestedBlock> = ::std::vec::Vec::new();
                #(#schema)*
                let _ = __blocks;
                __attributes
            }

            fn blocks() -> ::std::vec::Vec<#sdk::schema::NestedBlock> {
                let mut __attributes: ::std::vec::Vec<#sdk::schema::Attribute> = ::std::vec::Vec::new();
                let mut __blocks = ::std::vec::Vec::new();
                #(#schema)*
                let _ = __attributes;
                __blocks
            }

            fn from_object(
                __value: &#sdk::Value,
                __at: &#sdk::Path,
            ) -> ::std::result::Result<Self, #m::ModelError> {
                let __members = __value.as_object();
                let mut __hint = 0usize;
                #(#reads)*
                let _ = (__members, __hint);
                ::std::result::Result::Ok(#name {
                    #(#inits)*
                })
            }

            fn to_object(&self) -> #sdk::value::ValueMap {
                let mut __out = #sdk::value::ValueMap::with_capacity(#capacity);
                #(#writes)*
                __out
            }
        }

        impl #m::Object for #name {
            fn from_value(
                __value: &#sdk::Value,
            ) -> ::std::result::Result<Self, #m::ModelError> {
                #m::object_from_value::<#name>(__value)
            }

            fn to_value(&self) -> #sdk::Value {
                #sdk::Value::Object(#m::Model::to_object(self))
            }
        }

        impl #m::Kind for #name {
            fn attr_type() -> #sdk::schema::AttrType {
                #m::nested_single::<#name>()
            }

            fn from_known(
                __value: &#sdk::Value,
                __at: &#sdk::Path,
            ) -> ::std::result::Result<Self, #m::ModelError> {
                #m::object_from_known::<#name>(__value, __at)
            }

            fn to_value(&self) -> #sdk::Value {
                #sdk::Value::Object(#m::Model::to_object(self))
            }
        }
    })
}

fn field_spec(field: &syn::Field) -> syn::Result<FieldSpec> {
    let ident = field
        .ident
        .clone()
        .ok_or_else(|| syn::Error::new_spanned(field, "derive(Model) needs named fields"))?;
    let plain_name = ident.to_string().trim_start_matches("r#").to_string();
    let mut role = None;
    for a in &field.attrs {
        let found = if a.path().is_ident("attr") {
            let items = a.parse_args_with(Punctuated::<Item, Token![,]>::parse_terminated)?;
            let mut name = plain_name.clone();
            let mut calls = Vec::new();
            for Item { key, value } in items {
                if key == "name" {
                    name = string_literal(&key, value)?;
                    continue;
                }
                calls.push(match value {
                    Some(v) => quote!(.#key(#v)),
                    None => quote!(.#key()),
                });
            }
            Some(Role::Attribute { name, calls })
        } else if a.path().is_ident("block") {
            let name = match &a.meta {
                syn::Meta::Path(_) => plain_name.clone(),
                _ => {
                    let items =
                        a.parse_args_with(Punctuated::<Item, Token![,]>::parse_terminated)?;
                    let mut name = plain_name.clone();
                    for Item { key, value } in items {
                        if key != "name" {
                            return Err(syn::Error::new_spanned(
                                key,
                                "#[block] takes only `name = \"…\"`",
                            ));
                        }
                        name = string_literal(&key, value)?;
                    }
                    name
                }
            };
            Some(Role::Block { name })
        } else if a.path().is_ident("flatten") {
            Some(Role::Flatten)
        } else {
            None
        };
        if let Some(r) = found {
            if role.is_some() {
                return Err(syn::Error::new_spanned(
                    a,
                    "a field is one of #[attr(…)], #[block] or #[flatten]",
                ));
            }
            role = Some(r);
        }
    }
    let role = role.ok_or_else(|| {
        syn::Error::new_spanned(
            &ident,
            "each field of a Model needs #[attr(…)], #[block] or #[flatten]",
        )
    })?;
    Ok(FieldSpec {
        ident,
        ty: field.ty.clone(),
        role,
    })
}

fn string_literal(key: &Ident, value: Option<Expr>) -> syn::Result<String> {
    match value {
        Some(Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        })) => Ok(s.value()),
        _ => Err(syn::Error::new_spanned(
            key,
            "`name` takes a string literal, e.g. name = \"type\"",
        )),
    }
}

/// `image_ref` → `IMAGE_REF`: the constant holding an attribute's name.
fn const_ident(name: &str, span: Span) -> Ident {
    let upper: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    Ident::new(&upper, span)
}
